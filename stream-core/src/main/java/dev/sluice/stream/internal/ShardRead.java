package dev.sluice.stream.internal;

import dev.sluice.stream.StreamRecord;

import java.util.List;

/**
 * The result of one {@link ShardLog#read}.
 *
 * @param records                  the records read, in order
 * @param bytes                    data + key bytes of those records
 * @param nextSequence             sequence counter to continue from
 * @param nextUnreadArrivalMillis  arrival time of the first visible record not returned, or -1 when the read
 *                                 reached the newest record
 */
record ShardRead(List<StreamRecord> records, long bytes, long nextSequence, long nextUnreadArrivalMillis) {
}
