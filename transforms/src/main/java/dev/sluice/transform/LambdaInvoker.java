package dev.sluice.transform;

import dev.sluice.transform.internal.LambdaInvokeClient;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Calls functions through AWS Lambda's {@code Invoke} API ({@code POST /2015-03-31/functions/{name}/invocations},
 * synchronous {@code RequestResponse}) with Firehose's transformation event, so a Firehose {@code Lambda}
 * processor runs against any Lambda-compatible endpoint (a local runtime, an emulator, AWS itself). Needs
 * {@code software.amazon.awssdk:lambda} and {@code software.amazon.awssdk:apache5-client} on the class path (optional
 * dependencies of this module).
 *
 * <p>Thread-safety: thread-safe; one invoker (one SDK client and connection pool) serves any number of processors,
 * runners and threads. Close it after the runners that use it.
 *
 * <p>Each {@link #processor(String) processor} is a {@link Processor#lambda(TransformFunction) lambda processor}: in a
 * {@link TransformRunner} (a delivery stream's processing) the runner's invocation timeout, {@code NumberOfRetries}
 * and back-off apply, and after the retries every record of a failed invocation is {@code ProcessingFailed} (a
 * delivery stream writes it to its {@code processing-failed} error output). An invocation fails on a function error
 * (the {@code X-Amz-Function-Error} header, {@code Unhandled} or {@code Handled}: {@code Lambda.FunctionError}), an
 * HTTP error or an unreachable endpoint ({@code Lambda.FunctionError}, the message names the status and AWS error),
 * no answer within {@link Builder#invocationTimeout} ({@code Lambda.InvokeTimeout}), a response that is not
 * Firehose's response shape (not JSON, bad base64, a result other than {@code Ok}, {@code Dropped},
 * {@code ProcessingFailed}: {@code Lambda.JsonProcessingException}) or one with missing, duplicated or unknown record
 * ids. The SDK client itself does not retry.
 *
 * <p>A batch is sent as several invocations when its record data is over the processor's buffer size or its event
 * over Lambda's {@link #MAX_PAYLOAD_BYTES} synchronous payload limit; the answers are merged in order.
 *
 * <pre>{@code
 * try (LambdaInvoker lambda = LambdaInvoker.builder(URI.create("http://127.0.0.1:9001")).build()) {
 *     DeliveryStream stream = DeliveryStream.builder()...
 *             .processor(lambda.processor("arn:aws:lambda:us-east-1:000000000000:function:enrich"))
 *             .build();
 * }
 * }</pre>
 */
public final class LambdaInvoker implements AutoCloseable {

    /** Lambda's synchronous invocation payload limit, request and response: 6 MB. */
    public static final int MAX_PAYLOAD_BYTES = LambdaInvokeClient.MAX_PAYLOAD_BYTES;
    /** Firehose's smallest Lambda buffer size hint ({@code BufferSizeInMBs} 0.2). */
    public static final long MIN_BUFFER_SIZE_BYTES = 200_000;
    /** Default credentials: a local Invoke endpoint accepts any signature. */
    public static final String DEFAULT_ACCESS_KEY_ID = "sluice";

    /** Lambda's FunctionName: a name, a partial or full ARN, optionally with a version or alias; 1-140 characters. */
    private static final Pattern FUNCTION_NAME = Pattern.compile(
            "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
                    + "([a-zA-Z0-9-_.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
    private static final int MAX_FUNCTION_NAME = 140;

    private final LambdaInvokeClient client;

    private LambdaInvoker(LambdaInvokeClient client) {
        this.client = client;
    }

    /**
     * Starts a builder for an Invoke endpoint.
     *
     * @param endpoint the endpoint URL, for example {@code http://127.0.0.1:9001}
     * @return a new builder
     */
    public static Builder builder(URI endpoint) {
        return new Builder(Objects.requireNonNull(endpoint, "endpoint"));
    }

    /**
     * A lambda processor invoking {@code functionName}, with Firehose's default buffer size
     * ({@link TransformRunner#DEFAULT_BUFFER_SIZE_BYTES}, 1 MB of record data per invocation).
     *
     * @param functionName a function name or ARN ({@code arn:aws:lambda:<region>:<account>:function:<name>[:alias]})
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if the name is not a Lambda function name
     */
    public Processor processor(String functionName) {
        return processor(functionName, TransformRunner.DEFAULT_BUFFER_SIZE_BYTES);
    }

    /**
     * A lambda processor invoking {@code functionName} with at most {@code bufferSizeBytes} of record data per
     * invocation (Firehose's {@code BufferSizeInMBs}).
     *
     * @param functionName    a function name or ARN
     * @param bufferSizeBytes in [{@link #MIN_BUFFER_SIZE_BYTES}, {@link TransformRunner#MAX_BUFFER_SIZE_BYTES}]
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} naming the bad argument
     */
    public Processor processor(String functionName, long bufferSizeBytes) {
        Objects.requireNonNull(functionName, "functionName");
        if (functionName.isEmpty() || functionName.length() > MAX_FUNCTION_NAME
                || !FUNCTION_NAME.matcher(functionName).matches()) {
            throw TransformException.invalidArgument("functionName must be a Lambda function name or ARN of 1 to "
                    + MAX_FUNCTION_NAME + " characters (arn:aws:lambda:<region>:<account>:function:<name>) but was '"
                    + functionName + "'");
        }
        if (bufferSizeBytes < MIN_BUFFER_SIZE_BYTES || bufferSizeBytes > TransformRunner.MAX_BUFFER_SIZE_BYTES) {
            throw TransformException.invalidArgument("bufferSizeBytes must be in [" + MIN_BUFFER_SIZE_BYTES + ", "
                    + TransformRunner.MAX_BUFFER_SIZE_BYTES + "] but was " + bufferSizeBytes);
        }
        return Processor.lambda(client.function(functionName, bufferSizeBytes));
    }

    /** Closes the SDK client and its connections. Idempotent. */
    @Override
    public void close() {
        client.close();
    }

    /**
     * Configures a {@link LambdaInvoker}.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private final URI endpoint;
        private String region = ProcessingRequest.DEFAULT_REGION;
        private String accessKeyId = DEFAULT_ACCESS_KEY_ID;
        private String secretAccessKey = DEFAULT_ACCESS_KEY_ID;
        private Duration invocationTimeout = TransformRunner.DEFAULT_INVOCATION_TIMEOUT;

        private Builder(URI endpoint) {
            this.endpoint = endpoint;
        }

        /**
         * The region the client signs for. Default {@code us-east-1}.
         *
         * @param region a region name
         * @return this builder
         */
        public Builder region(String region) {
            this.region = Objects.requireNonNull(region, "region");
            return this;
        }

        /**
         * Static credentials to sign with. Default {@link #DEFAULT_ACCESS_KEY_ID} for both.
         *
         * @param accessKeyId     the access key id
         * @param secretAccessKey the secret
         * @return this builder
         */
        public Builder credentials(String accessKeyId, String secretAccessKey) {
            this.accessKeyId = Objects.requireNonNull(accessKeyId, "accessKeyId");
            this.secretAccessKey = Objects.requireNonNull(secretAccessKey, "secretAccessKey");
            return this;
        }

        /**
         * How long one Invoke call may take (the SDK's call and socket timeouts): Lambda's function timeout as
         * Firehose sees it. Use the runner's invocation timeout or less. Default
         * {@link TransformRunner#DEFAULT_INVOCATION_TIMEOUT}.
         *
         * @param timeout in (PT0S, {@link TransformRunner#MAX_INVOCATION_TIMEOUT}]
         * @return this builder
         */
        public Builder invocationTimeout(Duration timeout) {
            this.invocationTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Validates and builds the SDK client.
         *
         * @return the invoker; close it
         * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} naming the bad option, or when the AWS SDK's
         *                            Lambda client is not on the class path
         */
        public LambdaInvoker build() {
            String scheme = endpoint.getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || endpoint.getHost() == null) {
                throw TransformException.invalidArgument("endpoint must be an http or https URL but was '" + endpoint
                        + "'");
            }
            if (invocationTimeout.isNegative() || invocationTimeout.isZero()
                    || invocationTimeout.compareTo(TransformRunner.MAX_INVOCATION_TIMEOUT) > 0) {
                throw TransformException.invalidArgument("invocationTimeout must be in (PT0S, "
                        + TransformRunner.MAX_INVOCATION_TIMEOUT + "] but was " + invocationTimeout);
            }
            try {
                return new LambdaInvoker(new LambdaInvokeClient(endpoint, region, accessKeyId, secretAccessKey,
                        invocationTimeout));
            } catch (NoClassDefFoundError e) {
                throw new TransformException(ErrorCode.INVALID_ARGUMENT, "LambdaInvoker needs the AWS SDK's Lambda"
                        + " client on the class path (software.amazon.awssdk:lambda and apache5-client): " + e, e);
            }
        }
    }
}
