package dev.sluice.kinesis;

import dev.sluice.delivery.CheckpointStore;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Builder and read-mode validation: each bad option is named with its range and value; nothing is called. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KinesisSourceTest {

    private KinesisAsyncClient client;

    @TempDir
    Path work;

    @BeforeAll
    void client() {
        // Never called: building a source sends nothing.
        client = KinesisAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:9"))
                .region(Region.US_EAST_1).credentialsProvider(SluiceKinesis.CREDENTIALS).build();
    }

    @AfterAll
    void close() {
        client.close();
    }

    private static void assertInvalid(String message, Executable build) {
        DeliveryException e = assertThrows(DeliveryException.class, build);
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertEquals(message, e.getMessage());
    }

    @Test
    void build_withoutRequiredOptions_namesTheFirstMissing() {
        assertInvalid("client must be set but was null", () -> KinesisSource.builder().streamName("s")
                .checkpointDirectory(work).build());
        assertInvalid("streamName or streamArn must be set but both were null", () -> KinesisSource.builder()
                .client(client).checkpointDirectory(work).build());
        assertInvalid("checkpointStore or checkpointDirectory must be set but both were null",
                () -> KinesisSource.builder().client(client).streamName("s").build());
    }

    @Test
    void build_invalidNames_areRejectedWithTheValue() {
        assertInvalid("streamName must be 1 to 128 characters of [a-zA-Z0-9_.-] but was 'a b'",
                () -> KinesisSource.builder().client(client).streamName("a b").checkpointDirectory(work).build());
        assertInvalid("streamArn must be arn:<partition>:kinesis:<region>:<account>:stream/<name> but was"
                + " 'arn:aws:s3:::bucket'", () -> KinesisSource.builder().client(client)
                .streamArn("arn:aws:s3:::bucket").checkpointDirectory(work).build());
        assertInvalid("name must be 1 to 128 characters of [a-zA-Z0-9_.-] but was 'x/y'",
                () -> KinesisSource.builder().client(client).streamName("s").name("x/y").checkpointDirectory(work)
                        .build());
    }

    @Test
    void readMode_outOfRange_isRejectedWithTheRange() {
        assertInvalid("readMode.limit must be in [1, 10000] but was 10001",
                () -> ReadMode.polling(10_001, Duration.ofSeconds(1)));
        assertInvalid("readMode.idleInterval must be in [PT0.2S, PT1M] but was PT0.1S",
                () -> ReadMode.polling(100, Duration.ofMillis(100)));
        assertInvalid("readMode.consumerName must be 1 to 128 characters of [a-zA-Z0-9_.-] but was ''",
                () -> ReadMode.enhancedFanOut(""));
    }

    @Test
    void build_streamArn_isDescribedByItsName_andKeepsTheGivenStore() {
        CheckpointStore store = CheckpointStore.directory(work);
        KinesisSource source = KinesisSource.builder().client(client)
                .streamArn("arn:aws:kinesis:eu-west-1:123456789012:stream/clicks")
                .readMode(ReadMode.enhancedFanOut("archive")).checkpointStore(store).build();
        assertEquals("Kinesis stream clicks (enhanced fan-out consumer archive)", source.description());
        assertSame(store, source.checkpointStore());
        source.close(Duration.ZERO); // never started: nothing to stop
    }
}
