package dev.sluice.server.internal;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Flow;

/**
 * A successful response that is an AWS event stream ({@code application/vnd.amazon.eventstream}): an
 * {@code initial-response} event, then one event per published item, each encoded by {@link EventStreamFrames}.
 * The HTTP layer subscribes and requests one item per written frame, so a slow client slows the publisher.
 *
 * @param format    encoding of each event's payload
 * @param eventType the {@code :event-type} header of the published events, e.g. {@code SubscribeToShardEvent}
 * @param events    the event payloads (value trees, see {@link WireFormat}); an error ends the stream with an
 *                  exception event
 */
record EventStreamResponse(WireFormat format, String eventType, Flow.Publisher<Map<String, Object>> events) {

    EventStreamResponse {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(events, "events");
    }
}
