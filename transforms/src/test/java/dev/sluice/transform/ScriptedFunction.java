package dev.sluice.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A fake {@link TransformFunction} whose answers a test scripts, and which records how it was called. */
final class ScriptedFunction implements TransformFunction {

    /** What the function does on its {@code call}-th invocation (1-based). */
    @FunctionalInterface
    interface Script {
        ProcessingResponse answer(ProcessingRequest request, int call) throws Exception;
    }

    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger returned = new AtomicInteger();
    final AtomicInteger interrupted = new AtomicInteger();
    final List<ProcessingRequest> requests = new CopyOnWriteArrayList<>();
    final List<String> threadNames = new CopyOnWriteArrayList<>();
    private final Script script;

    ScriptedFunction(Script script) {
        this.script = script;
    }

    static ScriptedFunction echo() {
        return new ScriptedFunction((request, call) -> echo(request));
    }

    /** One Ok per record with unchanged data. */
    static ProcessingResponse echo(ProcessingRequest request) {
        List<ProcessingResult> results = new ArrayList<>();
        for (SourceRecord record : request.records()) {
            results.add(new ProcessingResult.Ok(record.recordId(), record.data(), java.util.Map.of()));
        }
        return new ProcessingResponse(results);
    }

    /** One Ok per record with the given text as data. */
    static ProcessingResponse answerAll(ProcessingRequest request, String text) {
        List<ProcessingResult> results = new ArrayList<>();
        for (SourceRecord record : request.records()) {
            results.add(new ProcessingResult.Ok(record.recordId(), text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return new ProcessingResponse(results);
    }

    @Override
    public ProcessingResponse handleRequest(ProcessingRequest request) throws Exception {
        int call = calls.incrementAndGet();
        requests.add(request);
        threadNames.add(Thread.currentThread().getName());
        try {
            return script.answer(request, call);
        } catch (InterruptedException e) {
            interrupted.incrementAndGet();
            throw e;
        } finally {
            returned.incrementAndGet();
        }
    }

    List<String> ids(int call) {
        return requests.get(call - 1).records().stream().map(SourceRecord::recordId).toList();
    }
}
