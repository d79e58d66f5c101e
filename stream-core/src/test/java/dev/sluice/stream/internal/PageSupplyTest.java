package dev.sluice.stream.internal;

import dev.sluice.stream.StreamRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PageSupplyTest {

    /** Runs submitted tasks only when told, so the test sees the queue before and after a refill. */
    private static final class QueuedExecutor implements Executor {
        final Queue<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
        }
    }

    @Test
    void take_withoutRefiller_allocatesAZeroedFullPage() {
        PageSupply supply = new PageSupply();
        ByteBuffer page = supply.take();
        assertEquals(InMemoryShardLog.MAX_PAGE, page.capacity());
        assertTrue(page.isDirect());
        assertEquals(0, supply.readyPages());
    }

    @Test
    void take_asksOneRefillAtATime_andLaterTakesGetDistinctZeroedReadyPages() {
        PageSupply supply = new PageSupply();
        QueuedExecutor executor = new QueuedExecutor();
        supply.refillOn(executor);
        supply.take();
        supply.take(); // a refill is already pending: no second task
        assertEquals(1, executor.tasks.size());
        executor.runAll();
        assertEquals(PageSupply.READY, supply.readyPages());

        Set<ByteBuffer> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        byte[] zeros = new byte[InMemoryShardLog.MAX_PAGE];
        for (int i = 0; i < PageSupply.READY; i++) {
            ByteBuffer page = supply.take();
            assertTrue(seen.add(page), "a ready page is handed out once");
            byte[] content = new byte[page.capacity()];
            page.get(0, content);
            assertArrayEquals(zeros, content);
        }
        assertEquals(0, supply.readyPages());
        executor.runAll();
        assertEquals(PageSupply.READY, supply.readyPages());
    }

    @Test
    void take_whenTheRefillerRejects_stillAllocatesAndAsksAgainLater() {
        PageSupply supply = new PageSupply();
        int[] calls = new int[1];
        supply.refillOn(task -> {
            calls[0]++;
            throw new RejectedExecutionException("closing");
        });
        assertEquals(InMemoryShardLog.MAX_PAGE, supply.take().capacity());
        assertEquals(InMemoryShardLog.MAX_PAGE, supply.take().capacity());
        assertEquals(2, calls[0], "a rejected refill does not leave the supply believing one is pending");
    }

    @Test
    void log_fillingManyFullPagesFromTheSupply_readsEveryRecordBackIntact() {
        PageSupply supply = new PageSupply();
        QueuedExecutor executor = new QueuedExecutor();
        supply.refillOn(executor);
        InMemoryShardLog log = new InMemoryShardLog(1, supply);
        byte[][] written = new byte[6_000][];
        for (int i = 0; i < written.length; i++) {
            byte[] data = new byte[1_024];
            Arrays.fill(data, (byte) i);
            data[0] = (byte) (i >>> 8);
            written[i] = data;
            log.append(SequenceNumbers.FIRST_COUNTER + i, 1_000, ("k" + i).getBytes(StandardCharsets.UTF_8), data);
            if (i % 100 == 0) {
                executor.runAll(); // the scheduler's turn
                log.publish();
            }
        }
        log.publish();
        int index = 0;
        long from = 0;
        while (index < written.length) {
            ShardRead read = log.read(from, 0, 10_000, Long.MAX_VALUE);
            for (StreamRecord r : read.records()) {
                assertEquals("k" + index, r.partitionKey());
                byte[] copy = new byte[r.data().remaining()];
                r.data().get(copy);
                assertArrayEquals(written[index], copy, "record " + index);
                index++;
            }
            from = read.nextSequence();
        }
        assertEquals(written.length, log.retainedRecords());
    }
}
