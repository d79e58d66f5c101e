package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingRequest;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.SourceRecord;
import dev.sluice.transform.TransformException;
import dev.sluice.transform.TransformFunction;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;

import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The AWS SDK side of {@code LambdaInvoker}: one {@link LambdaClient} per endpoint, and functions that send
 * Firehose's transformation event with {@code Invoke} ({@code POST /2015-03-31/functions/{name}/invocations},
 * {@code RequestResponse}).
 *
 * <p>Design note: the only class that names SDK types, so the SDK stays an optional dependency of the module:
 * it is loaded when a {@code LambdaInvoker} is built. The client does not retry (the {@code TransformRunner}
 * owns retries and back-off, so {@code NumberOfRetries} means what Firehose means) and its call and socket
 * timeouts are the invocation timeout, so a hung function frees its runner thread. One {@link #invoke} call
 * splits the batch into invocations of at most {@code bufferSizeBytes} of record data and at most
 * {@link #MAX_PAYLOAD_BYTES} of event, sends them in order and merges the answers; any failed invocation fails
 * the whole call with the invocation-level {@link ErrorCode} (the runner then retries the whole batch). A single
 * record whose event alone is over the payload limit cannot be sent: it alone is {@code ProcessingFailed}.
 * Thread-safe: the SDK client is.
 */
public final class LambdaInvokeClient implements AutoCloseable {

    /** Lambda's synchronous invocation payload limit (request and response): 6 MB. */
    public static final int MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
    /** Room for the event's envelope (invocationId, ARNs, region) around the records. */
    private static final int ENVELOPE_BYTES = 2048;
    /** JSON around one record besides its base64 data: recordId, timestamps, kinesisRecordMetadata. */
    private static final int RECORD_OVERHEAD_BYTES = 512;

    private final LambdaClient client;
    private final URI endpoint;
    private final Duration invocationTimeout;

    /**
     * Builds the SDK client.
     *
     * @param endpoint          the Invoke endpoint
     * @param region            the region the client signs for
     * @param accessKeyId       credentials the client signs with
     * @param secretAccessKey   the secret
     * @param invocationTimeout the per-invocation call and socket timeout
     */
    public LambdaInvokeClient(URI endpoint, String region, String accessKeyId, String secretAccessKey,
                              Duration invocationTimeout) {
        this.endpoint = endpoint;
        this.invocationTimeout = invocationTimeout;
        this.client = LambdaClient.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
                .httpClientBuilder(Apache5HttpClient.builder()
                        .socketTimeout(invocationTimeout)
                        .connectionTimeout(Duration.ofSeconds(10)))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(invocationTimeout))
                .build();
    }

    /**
     * A function that invokes {@code functionName} on this client.
     *
     * @param functionName    a function name, ARN or partial ARN (Lambda's {@code FunctionName})
     * @param bufferSizeBytes most record data per invocation
     * @return the function
     */
    public TransformFunction function(String functionName, long bufferSizeBytes) {
        return request -> invoke(functionName, bufferSizeBytes, request);
    }

    ProcessingResponse invoke(String functionName, long bufferSizeBytes, ProcessingRequest request) {
        List<ProcessingResult> results = new ArrayList<>(request.records().size());
        List<List<SourceRecord>> parts = split(request.records(), bufferSizeBytes);
        for (int i = 0; i < parts.size(); i++) {
            String invocationId = parts.size() == 1 ? request.invocationId()
                    : UUID.nameUUIDFromBytes((request.invocationId() + "/" + i).getBytes(StandardCharsets.UTF_8))
                    .toString();
            sendFitting(functionName, new ProcessingRequest(invocationId, request.deliveryStreamArn(),
                    request.region(), request.sourceKinesisStreamArn(), parts.get(i)), results);
        }
        return new ProcessingResponse(results);
    }

    /** Greedy split by record data ({@code bufferSizeBytes}) and estimated event size (the payload limit). */
    static List<List<SourceRecord>> split(List<SourceRecord> records, long bufferSizeBytes) {
        List<List<SourceRecord>> parts = new ArrayList<>();
        List<SourceRecord> current = new ArrayList<>();
        long data = 0;
        long event = ENVELOPE_BYTES;
        for (SourceRecord record : records) {
            long size = record.data().remaining();
            long encoded = 4 * ((size + 2) / 3) + RECORD_OVERHEAD_BYTES + 2L * record.recordId().length();
            if (!current.isEmpty() && (data + size > bufferSizeBytes || event + encoded > MAX_PAYLOAD_BYTES)) {
                parts.add(current);
                current = new ArrayList<>();
                data = 0;
                event = ENVELOPE_BYTES;
            }
            current.add(record);
            data += size;
            event += encoded;
        }
        if (!current.isEmpty()) {
            parts.add(current);
        }
        return parts;
    }

    /** Sends one part; if its event is still over the limit (the estimate was short), halves it. */
    private void sendFitting(String functionName, ProcessingRequest part, List<ProcessingResult> results) {
        byte[] payload = FirehoseJsonCodec.writeEvent(part);
        if (payload.length > MAX_PAYLOAD_BYTES) {
            List<SourceRecord> records = part.records();
            if (records.size() == 1) {
                SourceRecord record = records.get(0);
                results.add(new ProcessingResult.ProcessingFailed(record.recordId(), ErrorCode.FUNCTION_ERROR,
                        "record '" + record.recordId() + "' (" + record.data().remaining() + " bytes) makes a "
                                + payload.length + "-byte event, over Lambda's " + MAX_PAYLOAD_BYTES
                                + "-byte synchronous payload limit; it cannot be sent to " + functionName));
                return;
            }
            int half = records.size() / 2;
            sendFitting(functionName, new ProcessingRequest(part.invocationId() + "-a", part.deliveryStreamArn(),
                    part.region(), part.sourceKinesisStreamArn(), records.subList(0, half)), results);
            sendFitting(functionName, new ProcessingRequest(part.invocationId() + "-b", part.deliveryStreamArn(),
                    part.region(), part.sourceKinesisStreamArn(), records.subList(half, records.size())), results);
            return;
        }
        results.addAll(FirehoseJsonCodec.readResponse(call(functionName, payload)).records());
    }

    private byte[] call(String functionName, byte[] payload) {
        InvokeResponse response;
        try {
            response = client.invoke(b -> b.functionName(functionName)
                    .invocationType(InvocationType.REQUEST_RESPONSE)
                    .payload(SdkBytes.fromByteArrayUnsafe(payload)));
        } catch (ApiCallTimeoutException | ApiCallAttemptTimeoutException e) {
            throw new TransformException(ErrorCode.INVOKE_TIMEOUT, "Invoke of " + functionName + " at " + endpoint
                    + " did not answer within " + invocationTimeout, e);
        } catch (LambdaException e) {
            throw new TransformException(ErrorCode.FUNCTION_ERROR, "Invoke of " + functionName + " at " + endpoint
                    + " failed with HTTP " + e.statusCode() + " " + errorCode(e) + ": " + e.getMessage(), e);
        } catch (AbortedException e) {
            Thread.currentThread().interrupt();
            throw new TransformException(ErrorCode.INVOKE_TIMEOUT, "Invoke of " + functionName + " was interrupted", e);
        } catch (SdkClientException e) {
            boolean timeout = e.getCause() instanceof SocketTimeoutException;
            throw new TransformException(timeout ? ErrorCode.INVOKE_TIMEOUT : ErrorCode.FUNCTION_ERROR, "Invoke of "
                    + functionName + " at " + endpoint + " failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new TransformException(ErrorCode.FUNCTION_ERROR, "Invoke of " + functionName + " at " + endpoint
                    + " failed: " + e.getMessage(), e);
        }
        byte[] answer = response.payload() == null ? new byte[0] : response.payload().asByteArray();
        if (response.functionError() != null) {
            throw new TransformException(ErrorCode.FUNCTION_ERROR, "function " + functionName + " failed ("
                    + response.functionError() + "): " + abbreviate(new String(answer, StandardCharsets.UTF_8)));
        }
        return answer;
    }

    private static String errorCode(LambdaException e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? "error"
                : e.awsErrorDetails().errorCode();
    }

    private static String abbreviate(String text) {
        return text.length() <= 500 ? text : text.substring(0, 500) + "...";
    }

    @Override
    public void close() {
        client.close();
    }
}
