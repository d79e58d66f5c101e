package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.SourceRecord;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One pass of a batch through a chain: the items, stage by stage, then the results grouped by source record.
 *
 * <p>Design note: the item list keeps finished (dropped or failed) items in place and later stages skip them,
 * so the final list is the fan-out tree in pre-order and results come out in input order without sorting.
 * Every source record therefore ends as at least one result: itself, or every record derived from it. Used
 * by one thread at a time; the runner hands a run between threads only through its executor.
 */
public final class ChainRun {

    private final int sources;
    private List<Item> items;
    private List<Item> invoked = List.of();

    private ChainRun(int sources, List<Item> items) {
        this.sources = sources;
        this.items = items;
    }

    /** Starts a run over source records; item {@code i} descends from record {@code i}. */
    public static ChainRun of(List<SourceRecord> records) {
        List<Item> items = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            SourceRecord record = records.get(i);
            ByteBuffer view = record.data();
            byte[] data = new byte[view.remaining()];
            view.get(data);
            items.add(new Item(record.recordId(), i, record.approximateArrivalTimestamp(),
                    record.kinesisRecordMetadata(), data));
        }
        return new ChainRun(records.size(), items);
    }

    /** Applies stages in order to the live items. A stage that throws fails only the item it was processing. */
    public void run(List<RecordStage> stages) {
        StageOutput out = new StageOutput();
        for (RecordStage stage : stages) {
            List<Item> next = new ArrayList<>(items.size() + 4);
            for (Item item : items) {
                if (item.terminal != null) {
                    next.add(item);
                    continue;
                }
                out.begin(item, next);
                try {
                    stage.apply(item, out);
                } catch (RuntimeException | StackOverflowError e) {
                    out.fail(item, ErrorCode.INTERNAL_FAILURE, "processor " + stage + " failed unexpectedly: " + e);
                }
                out.end();
            }
            items = next;
        }
    }

    /** Whether any item is still live. */
    public boolean hasLive() {
        for (Item item : items) {
            if (item.terminal == null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Selects the live items for a function invocation and returns them as request records. An id that repeats
     * (only possible when a caller of {@code Processor.process} repeats an id; the runner never batches duplicates,
     * and derived ids of distinct parents are distinct) would make the function's answer ambiguous, so the later
     * occurrence fails with {@link ErrorCode#INVALID_ARGUMENT} instead.
     */
    public List<SourceRecord> prepareInvocation() {
        List<Item> selected = new ArrayList<>(items.size());
        List<SourceRecord> records = new ArrayList<>(items.size());
        HashSet<String> ids = new HashSet<>(items.size() * 2);
        for (Item item : items) {
            if (item.terminal != null) {
                continue;
            }
            if (!ids.add(item.recordId)) {
                item.terminal = new ProcessingResult.ProcessingFailed(item.recordId, ErrorCode.INVALID_ARGUMENT,
                        "record '" + item.recordId + "': another record of the same invocation has this id; record"
                                + " ids must be unique within a request");
                continue;
            }
            selected.add(item);
            records.add(new SourceRecord(item.recordId, item.arrival, ByteBuffer.wrap(item.data), item.metadata));
        }
        invoked = selected;
        return List.copyOf(records);
    }

    /** Applies a validated response (exactly one result per invoked id) to the invoked items. */
    public void applyResults(Map<String, ProcessingResult> byId) {
        for (Item item : invoked) {
            ProcessingResult result = byId.get(item.recordId);
            if (result instanceof ProcessingResult.Ok ok) {
                ByteBuffer view = ok.data();
                byte[] data = new byte[view.remaining()];
                view.get(data);
                item.data = data;
                ok.partitionKeys().forEach(item::putPartitionKey);
                if (ok.otfMetadata().isPresent()) {
                    item.otfMetadata = ok.otfMetadata().get();
                }
            } else {
                item.terminal = result;
            }
        }
        invoked = List.of();
    }

    /** Fails every invoked item that has not already finished; the message is prefixed with its record id. */
    public void failInvoked(ErrorCode code, String problem) {
        for (Item item : invoked) {
            if (item.terminal == null) {
                item.terminal = new ProcessingResult.ProcessingFailed(item.recordId, code,
                        "record '" + item.recordId + "': " + problem);
            }
        }
        invoked = List.of();
    }

    /** Returns the results of each source record, in order: index {@code i} holds those of source record {@code i}. */
    public List<List<ProcessingResult>> resultsBySource() {
        List<List<ProcessingResult>> bySource = new ArrayList<>(sources);
        for (int i = 0; i < sources; i++) {
            bySource.add(new ArrayList<>(1));
        }
        for (Item item : items) {
            bySource.get(item.source).add(result(item));
        }
        return bySource;
    }

    /** Returns all results in input order. */
    public List<ProcessingResult> results() {
        List<ProcessingResult> results = new ArrayList<>(items.size());
        for (Item item : items) {
            results.add(result(item));
        }
        return results;
    }

    private static ProcessingResult result(Item item) {
        if (item.terminal != null) {
            return item.terminal;
        }
        return new ProcessingResult.Ok(item.recordId, ByteBuffer.wrap(item.data),
                item.partitionKeys == null ? Map.of() : item.partitionKeys, Optional.ofNullable(item.otfMetadata));
    }
}
