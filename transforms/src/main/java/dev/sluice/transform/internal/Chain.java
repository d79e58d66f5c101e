package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingRequest;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.TransformException;
import dev.sluice.transform.TransformFunction;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A processing configuration in Firehose's shape: built-in stages, at most one function (the "Lambda"), then
 * more built-in stages.
 *
 * <p>Design note: immutable and thread-safe. Built-in stages work record to zero-or-more records; the function
 * keeps the strict one-result-per-record-id contract and sees the records the earlier stages produced
 * (including ids derived by fan-out). {@link #process} runs everything on the calling thread with a single
 * function attempt and no timeout; the runner drives the same pieces with buffering, retries and timeouts.
 */
public final class Chain {

    private final List<RecordStage> before;
    private final Optional<TransformFunction> function;
    private final List<RecordStage> after;

    private Chain(List<RecordStage> before, Optional<TransformFunction> function, List<RecordStage> after) {
        this.before = List.copyOf(before);
        this.function = function;
        this.after = List.copyOf(after);
    }

    /** A chain of one built-in stage. */
    public static Chain of(RecordStage stage) {
        return new Chain(List.of(Objects.requireNonNull(stage)), Optional.empty(), List.of());
    }

    /** A chain of one function. */
    public static Chain of(TransformFunction function) {
        return new Chain(List.of(), Optional.of(Objects.requireNonNull(function, "function")), List.of());
    }

    /**
     * Concatenates chains in order.
     *
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if more than one chain has a function
     */
    public static Chain concat(List<Chain> chains) {
        List<RecordStage> before = new ArrayList<>();
        List<RecordStage> after = new ArrayList<>();
        Optional<TransformFunction> function = Optional.empty();
        for (Chain chain : chains) {
            if (chain.function.isPresent()) {
                if (function.isPresent()) {
                    throw new TransformException(ErrorCode.INVALID_ARGUMENT, "a processor chain may contain at most one"
                            + " lambda processor (as in Firehose) but this one has at least 2");
                }
                before.addAll(chain.before);
                function = chain.function;
                after.addAll(chain.after);
            } else {
                (function.isPresent() ? after : before).addAll(chain.before);
            }
        }
        return new Chain(before, function, after);
    }

    public List<RecordStage> before() {
        return before;
    }

    public Optional<TransformFunction> function() {
        return function;
    }

    public List<RecordStage> after() {
        return after;
    }

    /** Runs the whole chain on the calling thread: one function attempt, no timeout, no retry. */
    public ProcessingResponse process(ProcessingRequest request) {
        ChainRun run = ChainRun.of(request.records());
        run.run(before);
        if (function.isPresent() && run.hasLive()) {
            ProcessingRequest invocation = new ProcessingRequest(request.invocationId(), request.deliveryStreamArn(),
                    request.region(), request.sourceKinesisStreamArn(), run.prepareInvocation());
            LambdaCall.Outcome outcome = LambdaCall.invoke(function.get(), invocation);
            if (outcome.succeeded()) {
                run.applyResults(outcome.results());
            } else {
                run.failInvoked(outcome.errorCode(), "invocation failed: " + outcome.errorCode().code() + ": "
                        + outcome.problem());
            }
        }
        run.run(after);
        return new ProcessingResponse(run.results());
    }

    @Override
    public String toString() {
        List<Object> parts = new ArrayList<>(before);
        function.ifPresent(f -> parts.add("lambda"));
        parts.addAll(after);
        return parts.toString();
    }
}
