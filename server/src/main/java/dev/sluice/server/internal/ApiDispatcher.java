package dev.sluice.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
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
 * {@code Content-Type} names, runs the operation on a worker thread (small puts on the event loop, see
 * {@link #ON_EVENT_LOOP}) and encodes the result or the AWS error.
 *
 * <p>A put on the event loop does not wait for the engine, with one exception: when the engine's ring buffer is
 * full, handing the records over waits for a free slot (the writers drain it in microseconds in memory), which
 * stalls that loop's other connections as briefly; a worker would have waited the same.
 *
 * <p>Failure modes: every failure becomes an {@link ApiResponse} (a 4xx for the client's mistakes, 500 for ours,
 * logged once); the returned future never completes exceptionally, so the HTTP layer always has an answer to send.
 */
final class ApiDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(ApiDispatcher.class);

    static final String KINESIS_PREFIX = "Kinesis_20131202.";
    static final String FIREHOSE_PREFIX = "Firehose_20150804.";
    static final String GLUE_PREFIX = "AWSGlue.";

    /**
     * Operations run on the connection's event loop instead of a worker when their body is small: the puts, which
     * parse a little, hand the records to the engine's ring without waiting and answer when the engine completes them.
     * A worker in between was one more thread to wake per call, each wake-up a chance to wait for a core on a loaded
     * machine (issue 15's wire tail); the engine's completer hands the outcome straight back to the loop.
     */
    static final Set<String> ON_EVENT_LOOP = Set.of(KINESIS_PREFIX + "PutRecord", KINESIS_PREFIX + "PutRecords");
    /**
     * Largest body run on the event loop: 64 KiB parses in tens of microseconds; a larger PutRecords (up to 10 MiB)
     * goes to a worker so other connections on the loop do not wait behind its parsing.
     */
    static final int ON_EVENT_LOOP_MAX_BYTES = 64 * 1024;

    private final Map<String, Operation> kinesis;
    private final Map<String, Operation> firehose;
    private final Map<String, Operation> glue;
    private final Set<String> accessKeyIds;
    private final Executor workers;
    /** Verifies SigV4 signatures of the key ids that have a configured secret; null when none has. */
    private volatile SignatureV4 signatures;

    ApiDispatcher(Map<String, Operation> kinesis, Map<String, Operation> firehose, Map<String, Operation> glue,
                  Set<String> accessKeyIds, Executor workers) {
        this.kinesis = Map.copyOf(kinesis);
        this.firehose = Map.copyOf(firehose);
        this.glue = Map.copyOf(glue);
        this.accessKeyIds = Set.copyOf(accessKeyIds);
        this.workers = workers;
    }

    /** Verifies signatures of these key ids (id to secret access key); call before serving. */
    ApiDispatcher verifySignatures(SignatureV4 verifier) {
        this.signatures = verifier;
        return this;
    }

    /**
     * What the HTTP layer extracted from a request; method, URI (raw path and query) and header lookup (lower-case
     * name to values) are what a signature covers. The body is the request's own buffer, read in place (a PutRecords
     * body of 500 KiB is not copied into one large array first): the HTTP layer keeps it until the call's response
     * future completes, and a worker reads it without moving its reader index.
     */
    record Call(String target, String contentType, String authorization, ByteBuf body, String method, String uri,
                java.util.function.Function<String, java.util.List<String>> headers) {

        /** @return a copy of the body, for what needs it whole (a signature's payload hash) */
        byte[] bodyBytes() {
            return ByteBufUtil.getBytes(body, body.readerIndex(), body.readableBytes(), false);
        }
    }

    /**
     * Runs a call on a worker, or a small put on the calling thread (the connection's event loop; see
     * {@link #ON_EVENT_LOOP}) when its signature needs no verifying.
     *
     * @param call      the request
     * @param responder where an outcome that arrives after the worker is done (an asynchronous put) is encoded: the
     *                  connection's event loop, which then writes it without another hand-off; if it refuses the task
     *                  (shut down), the completing thread encodes
     * @return the response, never completing exceptionally
     */
    CompletableFuture<Object> dispatch(Call call, Executor responder) {
        WireFormat format = WireFormat.JSON;
        try {
            format = WireFormat.fromContentType(call.contentType());
            SignatureV4.Authorization signed = checkCredentials(call.authorization());
            Operation operation = resolve(call.target());
            WireFormat chosen = format;
            CompletableFuture<Object> result = new CompletableFuture<>();
            if (signed == null && call.body().readableBytes() <= ON_EVENT_LOOP_MAX_BYTES
                    && ON_EVENT_LOOP.contains(call.target())) {
                invoke(operation, chosen, call, null, result, responder);
            } else {
                workers.execute(() -> invoke(operation, chosen, call, signed, result, responder));
            }
            return result;
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(ApiResponse.error(format, new ApiException(503,
                    "ServiceUnavailable", "server is shutting down or overloaded; retry")));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failure(format, call.target(), e));
        }
    }

    private void invoke(Operation operation, WireFormat format, Call call, SignatureV4.Authorization signed,
                        CompletableFuture<Object> result, Executor responder) {
        try {
            if (signed != null) {
                // Hashing the body is not for the event loop: signatures are verified on the worker.
                int query = call.uri().indexOf('?');
                signatures.verify(signed, new SignatureV4.Request(call.method(),
                        query < 0 ? call.uri() : call.uri().substring(0, query),
                        query < 0 ? "" : call.uri().substring(query + 1), call.headers(), call.bodyBytes()));
            }
            String action = call.target().substring(call.target().indexOf('.') + 1);
            ApiRequest request = new ApiRequest(action, format, format.read(
                    new ByteBufInputStream(call.body().duplicate()), call.body().readableBytes()));
            CompletableFuture<Object> outcome = operation.invoke(request);
            if (outcome.isDone()) {
                outcome.whenComplete((value, error) -> respond(format, call.target(), value, error, result));
            } else {
                // Completes on another thread (an engine's completer): the response is built and encoded where it is
                // written, not on that shared thread and not after one more hop through the workers.
                outcome.whenComplete((value, error) -> {
                    Runnable respond = () -> respond(format, call.target(), value, error, result);
                    try {
                        responder.execute(respond);
                    } catch (RejectedExecutionException e) {
                        respond.run();
                    }
                });
            }
        } catch (Exception | StackOverflowError e) {
            result.complete(failure(format, call.target(), e));
        }
    }

    private static void respond(WireFormat format, String target, Object value, Throwable error,
                                CompletableFuture<Object> result) {
        if (error != null) {
            result.complete(failure(format, target, error));
        } else if (value instanceof EventStreamResponse stream) {
            result.complete(stream);
        } else {
            try {
                Object tree = value instanceof Operation.Deferred deferred ? deferred.build() : value;
                result.complete(new ApiResponse(200, format.contentType(), format.write(tree), null));
            } catch (RuntimeException e) {
                result.complete(failure(format, target, e));
            }
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
     * With no access key ids and no secrets configured, any signature (or none) is accepted. Otherwise the SigV4
     * {@code Credential=} key id must be a configured one; a key id with a secret must also carry a valid signature,
     * which is verified on the worker ({@link SignatureV4}).
     *
     * @return the parsed header when its signature is to be verified, otherwise null
     */
    private SignatureV4.Authorization checkCredentials(String authorization) {
        if (accessKeyIds.isEmpty() && signatures == null) {
            return null;
        }
        if (authorization == null || authorization.isBlank()) {
            throw SignatureV4.missingToken();
        }
        String keyId = accessKeyId(authorization);
        if (keyId != null && signatures != null && signatures.knows(keyId)) {
            return SignatureV4.parse(authorization);
        }
        if (keyId == null || !accessKeyIds.contains(keyId)) {
            throw SignatureV4.unrecognizedClient();
        }
        return null;
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
