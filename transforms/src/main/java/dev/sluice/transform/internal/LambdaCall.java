package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingRequest;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.SourceRecord;
import dev.sluice.transform.TransformException;
import dev.sluice.transform.TransformFunction;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One call of a {@link TransformFunction} and the check of its answer against the Lambda contract.
 *
 * <p>Design note: never throws. Whatever the function does (returns garbage, throws any {@link Throwable})
 * becomes an {@link Outcome}: the results by record id, or an invocation-level {@link ErrorCode} and a
 * problem description. Checks run in Firehose's order: duplicated ids, then ids that were not requested, then
 * missing ids. Timeouts are not handled here; the runner races this call against its ticker.
 */
public final class LambdaCall {

    /** Codes a function may choose by throwing {@link TransformException}; others become FUNCTION_ERROR. */
    private static final Set<ErrorCode> INVOCATION_CODES = EnumSet.of(ErrorCode.FUNCTION_ERROR,
            ErrorCode.INVOKE_TIMEOUT, ErrorCode.MISSING_RECORD_ID, ErrorCode.DUPLICATED_RECORD_ID,
            ErrorCode.UNKNOWN_RECORD_ID, ErrorCode.JSON_PROCESSING);

    /** How many offending ids a message lists before summarising. */
    private static final int IDS_IN_MESSAGE = 5;

    private LambdaCall() {
    }

    /**
     * The outcome of one attempt.
     *
     * @param results one result per requested id when the attempt succeeded, otherwise empty
     * @param errorCode {@code null} when the attempt succeeded
     * @param problem what went wrong, without record ids of the batch; empty on success
     */
    public record Outcome(Map<String, ProcessingResult> results, ErrorCode errorCode, String problem) {

        static Outcome failure(ErrorCode code, String problem) {
            return new Outcome(Map.of(), code, problem);
        }

        public boolean succeeded() {
            return errorCode == null;
        }
    }

    /** Calls the function and validates its response. */
    public static Outcome invoke(TransformFunction function, ProcessingRequest request) {
        ProcessingResponse response;
        try {
            response = function.handleRequest(request);
        } catch (TransformException e) {
            ErrorCode code = INVOCATION_CODES.contains(e.errorCode()) ? e.errorCode() : ErrorCode.FUNCTION_ERROR;
            return Outcome.failure(code, "transform threw " + describe(e));
        } catch (Throwable t) {
            return Outcome.failure(ErrorCode.FUNCTION_ERROR, "transform threw " + describe(t));
        }
        return validate(request, response);
    }

    static Outcome validate(ProcessingRequest request, ProcessingResponse response) {
        if (response == null) {
            return Outcome.failure(ErrorCode.FUNCTION_ERROR, "transform returned null instead of a ProcessingResponse");
        }
        List<SourceRecord> records = request.records();
        Set<String> requested = new HashSet<>(records.size() * 2);
        for (SourceRecord record : records) {
            requested.add(record.recordId());
        }
        Map<String, ProcessingResult> byId = new HashMap<>(records.size() * 2);
        List<String> duplicated = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (ProcessingResult result : response.records()) {
            String id = result.recordId();
            if (!requested.contains(id)) {
                unknown.add(id);
            } else if (byId.putIfAbsent(id, result) != null) {
                duplicated.add(id);
            }
        }
        if (!duplicated.isEmpty()) {
            return Outcome.failure(ErrorCode.DUPLICATED_RECORD_ID, "transform returned record ids more than once: "
                    + sample(duplicated) + "; return exactly one result per record id");
        }
        if (!unknown.isEmpty()) {
            return Outcome.failure(ErrorCode.UNKNOWN_RECORD_ID, "transform returned record ids that were not in the"
                    + " invocation: " + sample(unknown) + "; return only the record ids you received");
        }
        if (byId.size() < requested.size()) {
            List<String> missing = new ArrayList<>();
            for (SourceRecord record : records) {
                if (!byId.containsKey(record.recordId())) {
                    missing.add(record.recordId());
                }
            }
            return Outcome.failure(ErrorCode.MISSING_RECORD_ID, "transform returned " + byId.size() + " of "
                    + requested.size() + " record ids; missing " + sample(missing)
                    + "; return a result for every record id you received");
        }
        return new Outcome(byId, null, "");
    }

    private static String sample(List<String> ids) {
        if (ids.size() <= IDS_IN_MESSAGE) {
            return ids.toString();
        }
        return ids.subList(0, IDS_IN_MESSAGE) + " and " + (ids.size() - IDS_IN_MESSAGE) + " more";
    }

    static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getName() + (message == null ? "" : ": " + message);
    }
}
