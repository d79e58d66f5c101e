package dev.sluice.kafka.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommitHandOffTest {

    private static final OffsetAndMetadata OFFSET = new OffsetAndMetadata(7, "");

    @Test
    void commit_runByThePollThread_returnsAfterItAndWakesTheConsumer() throws Exception {
        AtomicInteger wakeups = new AtomicInteger();
        CommitHandOff handOff = new CommitHandOff(wakeups::incrementAndGet, Duration.ofSeconds(10), "test");
        List<String> committed = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> coordinator = CompletableFuture.runAsync(() -> handOff.commit("t-0", OFFSET));
        await().atMost(Duration.ofSeconds(10)).until(() -> wakeups.get() == 1);
        handOff.awaitAndRun(Duration.ofSeconds(10), request -> {
            committed.add(request.partition() + "@" + request.offset().offset());
            request.succeeded();
        });
        coordinator.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("t-0@7"), committed);
    }

    @Test
    void commit_refusedByThePollThread_throwsItsFailure() {
        CommitHandOff handOff = new CommitHandOff(() -> { }, Duration.ofSeconds(10), "test");
        CompletableFuture<Void> coordinator = CompletableFuture.runAsync(() -> handOff.commit("t-0", OFFSET));
        handOff.awaitAndRun(Duration.ofSeconds(10), request -> request.failed(new DeliveryException(
                ErrorCode.SOURCE_FAILED, "fenced")));
        Exception e = assertThrows(Exception.class, () -> coordinator.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof DeliveryException de && de.getMessage().equals("fenced"), e.toString());
    }

    @Test
    void commit_notTakenInTime_failsAndIsNeverRunLater() {
        CommitHandOff handOff = new CommitHandOff(() -> { }, Duration.ofSeconds(1), "test");
        DeliveryException e = assertThrows(DeliveryException.class, () -> handOff.commit("t-0", OFFSET));
        assertEquals(ErrorCode.SERVICE_UNAVAILABLE, e.errorCode());
        AtomicInteger ran = new AtomicInteger();
        handOff.runQueued(request -> ran.incrementAndGet());
        assertEquals(0, ran.get(), "a commit the coordinator gave up on must not happen behind its back");
    }

    @Test
    void commit_alreadyRunningWhenTheWaitExpires_waitsForTheOutcome() throws Exception {
        CommitHandOff handOff = new CommitHandOff(() -> { }, Duration.ofSeconds(1), "test");
        CompletableFuture<Void> coordinator = CompletableFuture.runAsync(() -> handOff.commit("t-0", OFFSET));
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> poll = CompletableFuture.runAsync(() -> handOff.awaitAndRun(Duration.ofSeconds(10),
                request -> {
                    running.countDown();
                    try {
                        assertTrue(release.await(10, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    request.succeeded();
                }));
        assertTrue(running.await(10, TimeUnit.SECONDS));
        // The commit call outlasts the hand-off timeout (1 s): the coordinator keeps waiting for its outcome.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> !coordinator.isDone());
        release.countDown();
        coordinator.get(10, TimeUnit.SECONDS);
        poll.get(10, TimeUnit.SECONDS);
    }

    @Test
    void close_failsQueuedAndLaterCommits() {
        CommitHandOff handOff = new CommitHandOff(() -> { }, Duration.ofSeconds(10), "test");
        CompletableFuture<Void> queued = CompletableFuture.runAsync(() -> handOff.commit("t-0", OFFSET));
        DeliveryException closed = new DeliveryException(ErrorCode.SOURCE_FAILED, "closed");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            handOff.close(closed);
            return queued.isDone();
        });
        assertTrue(queued.isCompletedExceptionally());
        assertThrows(DeliveryException.class, () -> handOff.commit("t-1", OFFSET));
    }
}
