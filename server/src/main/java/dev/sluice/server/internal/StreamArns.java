package dev.sluice.server.internal;

import dev.sluice.stream.StreamEngine;

import java.util.Objects;

/**
 * Resolves the stream a request names by {@code StreamName}, {@code StreamARN} or both (then they must agree, as in
 * Kinesis). ARNs are the engine's ({@code arn:aws:kinesis:<engine region>:000000000000:stream/<name>}); an ARN of
 * another region or account, or of another service, is an {@code InvalidArgumentException}.
 */
final class StreamArns {

    private final StreamEngine engine;

    StreamArns(StreamEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    String streamName(ApiRequest request) {
        String name = request.string("StreamName").orElse(null);
        String arn = request.string("StreamARN").orElse(null);
        if (arn == null) {
            String id = name == null ? request.string("StreamId").orElse(null) : null;
            return id != null ? nameForStreamId(id) : ApiRequest.required("StreamName", name);
        }
        String fromArn = nameFromArn(arn);
        if (name != null && !name.equals(fromArn)) {
            throw ApiException.invalidArgument("StreamName '" + name + "' and StreamARN '" + arn
                    + "' name different streams");
        }
        return fromArn;
    }

    /** The stream name in an ARN, checked against the engine's ARN of that stream (which must exist). */
    String nameFromArn(String arn) {
        String name = engine.streamNameFromArn(arn);
        String actual = engine.describeStreamSummary(name).streamArn();
        if (!actual.equals(arn)) {
            throw ApiException.invalidArgument("StreamARN '" + WireFormat.abbreviate(arn) + "' names another region"
                    + " or account than this server's stream " + actual);
        }
        return name;
    }

    /** The stream with a Kinesis StreamId, for a request that names its stream by StreamId alone. */
    String nameForStreamId(String streamId) {
        KinesisRecordSettingsOperations.checkStreamIdPattern(streamId);
        for (String name : engine.listStreams()) {
            try {
                if (engine.describeStreamSummary(name).streamId().equals(streamId)) {
                    return name;
                }
            } catch (dev.sluice.stream.StreamException e) {
                // deleted since it was listed
            }
        }
        throw ApiException.resourceNotFound("Stream with StreamId " + streamId + " not found.");
    }

    String streamArn(String streamName) {
        return engine.describeStreamSummary(streamName).streamArn();
    }
}
