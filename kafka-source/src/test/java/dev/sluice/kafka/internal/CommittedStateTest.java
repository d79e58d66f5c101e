package dev.sluice.kafka.internal;

import dev.sluice.delivery.CheckpointStore.Checkpoint;
import dev.sluice.delivery.CheckpointStore.Range;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommittedStateTest {

    @Test
    void encode_checkpointOnly_commitsNextOffsetWithEmptyMetadata() {
        OffsetAndMetadata committed = CommittedState.encode("t-0", new Checkpoint(Optional.of("41"), List.of()))
                .orElseThrow();
        assertEquals(new OffsetAndMetadata(42, ""), committed);
    }

    @Test
    void encode_pendingSegments_travelAsCompactJson() {
        Checkpoint checkpoint = new Checkpoint(Optional.of("99"), List.of(new Range("100", "200"),
                new Range("201", "350")));
        OffsetAndMetadata committed = CommittedState.encode("t-0", checkpoint).orElseThrow();
        assertEquals(100, committed.offset());
        assertEquals("{\"sluice\":1,\"pending\":[[100,200],[201,350]]}", committed.metadata());
        assertEquals(checkpoint, CommittedState.decode("t-0", committed));
    }

    @Test
    void encode_pendingBeforeAnyCheckpoint_commitsTheSegmentStartAndDecodesToTheSameResumePoint() {
        Checkpoint checkpoint = new Checkpoint(Optional.empty(), List.of(new Range("0", "170")));
        OffsetAndMetadata committed = CommittedState.encode("t-0", checkpoint).orElseThrow();
        assertEquals(0, committed.offset());
        assertEquals(checkpoint, CommittedState.decode("t-0", committed));

        Checkpoint later = new Checkpoint(Optional.empty(), List.of(new Range("500", "600")));
        OffsetAndMetadata afterRetention = CommittedState.encode("t-0", later).orElseThrow();
        Checkpoint read = CommittedState.decode("t-0", afterRetention);
        assertEquals(Optional.of("499"), read.position(), "resumes at 500, the segment's first record");
        assertEquals(later.pending(), read.pending());
    }

    @Test
    void encode_nothingToStore_commitsNothing() {
        assertEquals(Optional.empty(), CommittedState.encode("t-0", Checkpoint.EMPTY));
    }

    @Test
    void encode_pendingListOverTheBrokerMetadataLimit_failsRetryably() {
        List<Range> pending = new ArrayList<>();
        for (long i = 0; i < 200; i++) {
            pending.add(new Range(Long.toString(1_000_000_000L + i * 1000), Long.toString(1_000_000_999L + i * 1000)));
        }
        DeliveryException e = assertThrows(DeliveryException.class, () -> CommittedState.encode("clicks-3",
                new Checkpoint(Optional.of("999999999"), pending)));
        assertEquals(ErrorCode.SERVICE_UNAVAILABLE, e.errorCode());
        assertTrue(e.getMessage().contains("clicks-3 has 200 segments") && e.getMessage().contains("at most 4096"),
                e.getMessage());
    }

    @Test
    void decode_nothingCommitted_isEmpty() {
        assertEquals(Checkpoint.EMPTY, CommittedState.decode("t-0", null));
        assertEquals(Checkpoint.EMPTY, CommittedState.decode("t-0", new OffsetAndMetadata(0, "")));
    }

    @Test
    void decode_foreignMetadata_keepsTheOffsetWithNothingPending() {
        Checkpoint read = CommittedState.decode("t-0", new OffsetAndMetadata(10, "committed by connect"));
        assertEquals(new Checkpoint(Optional.of("9"), List.of()), read);
    }

    @Test
    void decode_laterFormat_failsNamingIt() {
        DeliveryException e = assertThrows(DeliveryException.class, () -> CommittedState.decode("t-0",
                new OffsetAndMetadata(10, "{\"sluice\":2,\"pending\":[]}")));
        assertEquals(ErrorCode.SOURCE_FAILED, e.errorCode());
        assertTrue(e.getMessage().contains("format 2"), e.getMessage());
    }
}
