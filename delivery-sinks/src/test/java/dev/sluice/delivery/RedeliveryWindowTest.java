package dev.sluice.delivery;

import dev.sluice.stream.StreamEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stream reading a source refuses a retry duration its sink could not recognise re-deliveries for. */
class RedeliveryWindowTest {

    @TempDir
    Path work;

    /** A bucket whose evidence of a write is claimed to last only {@code window}. */
    private Sink expiring(Duration window) {
        Sink bucket = Sink.localBucket(work.resolve("bucket"));
        return new Sink() {
            @Override
            public SinkResult write(SinkObject object) throws Exception {
                return bucket.write(object);
            }

            @Override
            public Optional<Duration> redeliveryWindow() {
                return Optional.of(window);
            }

            @Override
            public String toString() {
                return "expiring bucket";
            }
        };
    }

    private DeliveryStream.Builder fromSource(StreamEngine engine, Sink sink) {
        return DeliveryStream.builder().name("d").sink(sink).errorOutputSink(Sink.localBucket(work.resolve("errors")))
                .kinesisStreamSource(engine, "src", work.resolve("state"));
    }

    @Test
    void streamSource_retryPlusMarginBeyondTheWindow_refusedNamingBoth() {
        try (StreamEngine engine = StreamEngine.builder().build()) {
            engine.createStream("src", 1);
            Duration window = Duration.ofMinutes(10);
            DeliveryException e = assertThrows(DeliveryException.class, () -> fromSource(engine, expiring(window))
                    .retryDuration(Duration.ofMinutes(5).plusSeconds(1)).build());
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
            assertTrue(e.getMessage().startsWith("retryDuration PT5M1S is too long for the sink's re-delivery window"
                    + " PT10M (expiring bucket): reading a source, retryDuration + PT5M must be at most that window"),
                    e.getMessage());
            // Exactly at the window, and the sink's default retry (300 s): accepted.
            fromSource(engine, expiring(window)).retryDuration(Duration.ofMinutes(5)).build().close();
            fromSource(engine, expiring(window)).build().close();
        }
    }

    @Test
    void noWindowOrNoSource_anyRetryDurationAccepted() {
        try (StreamEngine engine = StreamEngine.builder().build()) {
            engine.createStream("src", 1);
            fromSource(engine, Sink.localBucket(work.resolve("bucket")))
                    .retryDuration(DeliveryStream.MAX_RETRY_DURATION).build().close();
        }
        // Direct put: no checkpoint to re-deliver from, so the window does not bound the retries.
        DeliveryStream.builder().name("direct").sink(expiring(Duration.ofMinutes(10)))
                .errorOutputSink(Sink.localBucket(work.resolve("errors")))
                .retryDuration(DeliveryStream.MAX_RETRY_DURATION).build().close();
    }
}
