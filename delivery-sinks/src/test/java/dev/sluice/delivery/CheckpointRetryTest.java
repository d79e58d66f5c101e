package dev.sluice.delivery;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source partition's last checkpoint store is refused (a Kafka commit during a rebalance, a full disk): the
 * delivery stream retries it until it is accepted, instead of leaving the stored checkpoint behind records that were
 * delivered, which would make the next owner rebuild them and made a consumer group's committed offsets lag forever.
 */
@Timeout(60)
class CheckpointRetryTest {

    @TempDir
    Path work;

    private final ManualClock time = new ManualClock(Instant.parse("2026-03-04T05:06:07Z"));

    /** A directory store that can refuse the stores that move a checkpoint, counting the refusals. */
    private static final class FlakyStore implements CheckpointStore {
        final CheckpointStore delegate;
        volatile boolean refuse;
        final AtomicInteger refused = new AtomicInteger();

        FlakyStore(Path directory) {
            this.delegate = CheckpointStore.directory(directory);
        }

        @Override
        public Checkpoint load(String partition) {
            return delegate.load(partition);
        }

        @Override
        public void store(String partition, Checkpoint checkpoint) {
            if (refuse && checkpoint.position().isPresent()) {
                refused.incrementAndGet();
                throw new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE, "injected: store of " + partition
                        + " refused");
            }
            delegate.store(partition, checkpoint);
        }
    }

    /** A source driven by the test through the context it is given. */
    private static final class ManualSource implements DeliverySource {
        final FlakyStore store;
        final CompletableFuture<SourceContext> context = new CompletableFuture<>();

        ManualSource(FlakyStore store) {
            this.store = store;
        }

        @Override
        public CheckpointStore checkpointStore() {
            return store;
        }

        @Override
        public void start(SourceContext context) {
            this.context.complete(context);
        }

        @Override
        public void close(Duration timeout) {
        }

        @Override
        public String description() {
            return "manual source";
        }
    }

    private static List<SourceEntry> entries(int from, int to) {
        return java.util.stream.IntStream.range(from, to).mapToObj(i -> new SourceEntry(String.format("%05d", i),
                Optional.of("k" + i), Instant.EPOCH, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)))
                .toList();
    }

    @Test
    void aRefusedFinalStoreIsRetriedUntilAcceptedAndADrainWaitsForIt() throws Exception {
        FlakyStore store = new FlakyStore(work.resolve("state"));
        ManualSource source = new ManualSource(store);
        FakeSink sink = new FakeSink();
        try (DeliveryStream stream = DeliveryStream.builder().name("retry").clock(time).ticker(time).sink(sink)
                .source(source).build()) {
            SourceContext context = source.context.get(10, TimeUnit.SECONDS);
            assertEquals(Optional.empty(), context.open("p"));
            assertTrue(context.put("p", entries(0, 10), Duration.ofSeconds(5)));

            // Sealing stores the segment as pending (accepted); the store after its object commits is refused.
            store.refuse = true;
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(
                    () -> context.drain(List.of("p"), Duration.ofSeconds(30)));
            await().atMost(Duration.ofSeconds(10)).until(() -> store.refused.get() > 0);
            assertEquals(1, sink.objects.size());
            assertEquals(1, store.delegate.load("p").pending().size(), "the segment is stored as pending");
            assertFalse(drained.isDone(), "a drain completes only once the checkpoint past its records is stored");

            // Refused retries keep it unstored; nothing is written again.
            time.advance(Duration.ofSeconds(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> store.refused.get() > 1);
            assertEquals(Optional.empty(), store.delegate.load("p").position());
            assertFalse(drained.isDone());

            store.refuse = false;
            time.advance(Duration.ofSeconds(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> store.delegate.load("p").position()
                    .equals(Optional.of("00009")));
            assertTrue(store.delegate.load("p").pending().isEmpty(), "no segment is left pending");
            assertTrue(drained.get(10, TimeUnit.SECONDS));
            assertEquals(1, sink.objects.size(), "the object was written once");
        }
    }
}
