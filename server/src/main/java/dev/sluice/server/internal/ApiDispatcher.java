package dev.sluice.server.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Routes a decoded HTTP request to its operation: checks the credentials, resolves {@code X-Amz-Target}
 * ({@code Kinesis_20131202.<Action>}, {@code Firehose_20150804.<Action>} or {@code AWSGlue.<Action>}), decodes the body in the encoding its
 * {@code Content-Type} names, runs the operation on a worker thread and encodes the result or the AWS error.
 *
 * <p>Failure modes: every failure becomes an {@link ApiResponse} (a 4xx for the client's mistakes, 500 for ours,
 * logged once); the returned future never completes exceptionally, so the HTTP layer always has an answer to send.
 */
final class ApiDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(ApiDispatcher.class);

    static final String KINESIS_PREFIX = "Kinesis_20131202.";
    static final String FIREHOSE_PREFIX = "Firehose_20150804.";
    static final String GLUE_PREFIX = "AWSGlue.";

    private final Map<String, Operation> kinesis;
    private final Map<String, Operation> firehose;
    private final Map<String, Operation> glue;
    private final Set<String> accessKeyIds;
    private final Executor workers;

    ApiDispatcher(Map<String, Operation> kinesis, Map<String, Operation> firehose, Set<String> accessKeyIds,
                  Executor workers) {
        this(kinesis, firehose, Map.of(), accessKeyIds, workers);
    }

    ApiDispatcher(Map<String, Operation> kinesis, Map<String, Operation> firehose, Map<String, Operation> glue,
                  Set<String> accessKeyIds, Executor workers) {
        this.kinesis = Map.copyOf(kinesis);
        this.firehose = Map.copyOf(firehose);
        this.glue = Map.copyOf(glue);
        this.accessKeyIds = Set.copyOf(accessKeyIds);
        this.workers = workers;
    }

    /** What the HTTP layer extracted from a request. */
    record Call(String target, String contentType, String authorization, byte[] body) {
    }

    CompletableFuture<Object> dispatch(Call call) {
        WireFormat format = WireFormat.JSON;
        try {
            format = WireFormat.fromContentType(call.contentType());
            checkCredentials(call.authorization());
            Operation operation = resolve(call.target());
            WireFormat chosen = format;
            CompletableFuture<Object> result = new CompletableFuture<>();
            workers.execute(() -> invoke(operation, chosen, call, result));
            return result;
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(ApiResponse.error(format, new ApiException(503,
                    "ServiceUnavailable", "server is shutting down or overloaded; retry")));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failure(format, call.target(), e));
        }
    }

    private void invoke(Operation operation, WireFormat format, Call call, CompletableFuture<Object> result) {
        try {
            String action = call.target().substring(call.target().indexOf('.') + 1);
            ApiRequest request = new ApiRequest(action, format, format.read(call.body()));
            operation.invoke(request).whenComplete((value, error) -> {
                if (error != null) {
                    result.complete(failure(format, call.target(), error));
                } else if (value instanceof EventStreamResponse stream) {
                    result.complete(stream);
                } else {
                    try {
                        result.complete(new ApiResponse(200, format.contentType(), format.write(value), null));
                    } catch (RuntimeException e) {
                        result.complete(failure(format, call.target(), e));
                    }
                }
            });
        } catch (Exception | StackOverflowError e) {
            result.complete(failure(format, call.target(), e));
        }
    }

    private static ApiResponse failure(WireFormat format, String target, Throwable error) {
        ApiException api = ErrorTranslation.translate(error);
        if (api.status() >= 500) {
            LOG.error("{} failed: {}", target, api, error);
        }
        return ApiResponse.error(format, api);
    }

    private Operation resolve(String target) {
        if (target == null || target.isEmpty()) {
            throw new ApiException(400, "UnknownOperationException", "missing X-Amz-Target header");
        }
        Operation operation = null;
        if (target.startsWith(KINESIS_PREFIX)) {
            operation = kinesis.get(target.substring(KINESIS_PREFIX.length()));
        } else if (target.startsWith(FIREHOSE_PREFIX)) {
            operation = firehose.get(target.substring(FIREHOSE_PREFIX.length()));
        } else if (target.startsWith(GLUE_PREFIX)) {
            operation = glue.get(target.substring(GLUE_PREFIX.length()));
        }
        if (operation == null) {
            throw ApiException.unknownOperation(WireFormat.abbreviate(target));
        }
        return operation;
    }

    /**
     * With no access key ids configured, any signature (or none) is accepted. Otherwise the SigV4 {@code Credential=}
     * key id must be one of them. Signatures are never verified: the server has no secrets.
     */
    private void checkCredentials(String authorization) {
        if (accessKeyIds.isEmpty()) {
            return;
        }
        if (authorization == null || authorization.isBlank()) {
            throw new ApiException(400, "MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        String keyId = accessKeyId(authorization);
        if (keyId == null || !accessKeyIds.contains(keyId)) {
            throw new ApiException(400, "UnrecognizedClientException",
                    "The security token included in the request is invalid.");
        }
    }

    static String accessKeyId(String authorization) {
        int start = authorization.indexOf("Credential=");
        if (start < 0) {
            return null;
        }
        start += "Credential=".length();
        int end = authorization.indexOf('/', start);
        return end < 0 ? null : authorization.substring(start, end).trim();
    }
}
