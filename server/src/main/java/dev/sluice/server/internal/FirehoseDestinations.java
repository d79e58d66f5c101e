package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.Compression;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.HttpEndpointConfiguration;
import dev.sluice.delivery.S3Destination;
import dev.sluice.delivery.Sink;
import dev.sluice.transform.LambdaInvoker;
import dev.sluice.transform.Processor;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Maps Firehose destination configurations onto a {@link DeliveryStream.Builder}.
 *
 * <p>Buckets: {@code BucketARN} {@code arn:aws:s3:::<bucket>} becomes the directory {@code <buckets>/<bucket>}
 * ({@link Sink#localBucket}), or, with an S3 endpoint configured, that bucket on the endpoint ({@link Sink#s3},
 * path-style). Supported: {@code ExtendedS3DestinationConfiguration} (and the older {@code S3DestinationConfiguration})
 * with Prefix, ErrorOutputPrefix, BufferingHints, CompressionFormat, FileExtension, S3BackupMode +
 * S3BackupConfiguration, ProcessingConfiguration (built-in processor types), and
 * {@code HttpEndpointDestinationConfiguration}. DataFormatConversionConfiguration is applied on top by
 * {@link FirehoseFormatConversion}. Lambda processors call their function through the server's Lambda Invoke endpoint
 * ({@code --lambda-endpoint}) and are refused with {@code InvalidArgumentException} naming that option without one.
 */
final class FirehoseDestinations {

    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final String BUCKET_ARN_PREFIX = "arn:aws:s3:::";

    private final Path buckets;
    private final Optional<URI> s3Endpoint;
    private final String region;
    /** Calls Lambda processors' functions; empty without a Lambda endpoint (--lambda-endpoint). */
    private final Optional<LambdaInvoker> lambda;

    FirehoseDestinations(Path buckets, Optional<URI> s3Endpoint, String region, Optional<LambdaInvoker> lambda) {
        this.buckets = buckets;
        this.s3Endpoint = s3Endpoint;
        this.region = region;
        this.lambda = lambda;
    }

    static Path bucketDirectory(Path buckets, String bucketName) {
        if (!BUCKET_NAME.matcher(bucketName).matches() || bucketName.contains("..")) {
            throw ApiException.invalidArgument("bucket name must be 3-63 characters of [a-z0-9.-] but was '"
                    + WireFormat.abbreviate(bucketName) + "'");
        }
        return buckets.resolve(bucketName);
    }

    Sink bucketSink(JsonNode config, String field) {
        String arn = ApiRequest.required(field + ".BucketARN", ApiRequest.string(config, "BucketARN"));
        if (!arn.startsWith(BUCKET_ARN_PREFIX)) {
            throw ApiException.invalidArgument(field + ".BucketARN must be arn:aws:s3:::<bucket> but was '"
                    + WireFormat.abbreviate(arn) + "'");
        }
        String bucket = arn.substring(BUCKET_ARN_PREFIX.length());
        Path directory = bucketDirectory(buckets, bucket);
        if (s3Endpoint.isPresent()) {
            return Sink.s3(S3Destination.of(bucket, region).withEndpoint(s3Endpoint.get()));
        }
        return Sink.localBucket(directory);
    }

    /** ExtendedS3DestinationConfiguration or S3DestinationConfiguration. */
    void applyS3(DeliveryStream.Builder builder, JsonNode config, String field) {
        builder.sink(bucketSink(config, field));
        Optional.ofNullable(ApiRequest.string(config, "Prefix")).ifPresent(builder::prefix);
        Optional.ofNullable(ApiRequest.string(config, "ErrorOutputPrefix")).ifPresent(builder::errorOutputPrefix);
        builder.bufferingHints(bufferingHints(config.get("BufferingHints"), field));
        builder.compression(compression(ApiRequest.string(config, "CompressionFormat")));
        Optional.ofNullable(ApiRequest.string(config, "FileExtension")).ifPresent(builder::fileExtension);
        applyProcessing(builder, config.get("ProcessingConfiguration"));
        // DataFormatConversionConfiguration is applied by FirehoseFormatConversion (schema from the Glue catalog).
        if ("Enabled".equals(ApiRequest.string(config, "S3BackupMode"))) {
            JsonNode backup = config.get("S3BackupConfiguration");
            if (backup == null) {
                throw ApiRequest.missing(field + ".S3BackupConfiguration");
            }
            builder.sourceRecordBackup(Optional.ofNullable(ApiRequest.string(backup, "Prefix")).orElse(""));
            builder.backupSink(bucketSink(backup, field + ".S3BackupConfiguration"));
        }
    }

    void applyHttpEndpoint(DeliveryStream.Builder builder, JsonNode config) {
        JsonNode endpoint = config.get("EndpointConfiguration");
        if (endpoint == null) {
            throw ApiRequest.missing("HttpEndpointDestinationConfiguration.EndpointConfiguration");
        }
        String url = ApiRequest.required("EndpointConfiguration.Url", ApiRequest.string(endpoint, "Url"));
        HttpEndpointConfiguration http;
        try {
            http = HttpEndpointConfiguration.of(URI.create(url));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidArgument("EndpointConfiguration.Url is not a URL: " + e.getMessage());
        }
        String accessKey = ApiRequest.string(endpoint, "AccessKey");
        if (accessKey != null) {
            http = http.withAccessKey(accessKey);
        }
        JsonNode request = config.get("RequestConfiguration");
        if (request != null) {
            http = http.withGzip("GZIP".equals(ApiRequest.string(request, "ContentEncoding")));
            Map<String, String> attributes = new LinkedHashMap<>();
            for (JsonNode attribute : request.path("CommonAttributes")) {
                attributes.put(ApiRequest.string(attribute, "AttributeName"),
                        ApiRequest.string(attribute, "AttributeValue"));
            }
            if (!attributes.isEmpty()) {
                http = http.withCommonAttributes(attributes);
            }
        }
        builder.sink(Sink.httpEndpoint(http));
        builder.bufferingHints(bufferingHints(config.get("BufferingHints"), "HttpEndpointDestinationConfiguration"));
        JsonNode retry = config.get("RetryOptions");
        if (retry != null && ApiRequest.integer(retry, "DurationInSeconds") != null) {
            builder.retryDuration(Duration.ofSeconds(ApiRequest.integer(retry, "DurationInSeconds")));
        }
        JsonNode s3 = config.get("S3Configuration");
        if (s3 == null) {
            throw ApiRequest.missing("HttpEndpointDestinationConfiguration.S3Configuration");
        }
        builder.errorOutputSink(bucketSink(s3, "S3Configuration"));
        Optional.ofNullable(ApiRequest.string(s3, "ErrorOutputPrefix")).ifPresent(builder::errorOutputPrefix);
        applyProcessing(builder, config.get("ProcessingConfiguration"));
    }

    static BufferingHints bufferingHints(JsonNode hints, String field) {
        if (hints == null) {
            return BufferingHints.defaults();
        }
        Integer megabytes = ApiRequest.integer(hints, "SizeInMBs");
        Integer seconds = ApiRequest.integer(hints, "IntervalInSeconds");
        long size = megabytes == null ? BufferingHints.DEFAULT_SIZE_BYTES : (long) megabytes << 20;
        Duration interval = seconds == null ? BufferingHints.DEFAULT_INTERVAL : Duration.ofSeconds(seconds);
        if (megabytes != null && (megabytes < 1 || megabytes > 128)) {
            throw ApiRequest.outOfRange(field + ".BufferingHints.SizeInMBs", megabytes, 1, 128);
        }
        if (seconds != null && (seconds < 0 || seconds > 900)) {
            throw ApiRequest.outOfRange(field + ".BufferingHints.IntervalInSeconds", seconds, 0, 900);
        }
        return new BufferingHints(size, interval);
    }

    static Compression compression(String format) {
        if (format == null) {
            return Compression.UNCOMPRESSED;
        }
        return switch (format) {
            case "UNCOMPRESSED" -> Compression.UNCOMPRESSED;
            case "GZIP" -> Compression.GZIP;
            case "ZIP" -> Compression.ZIP;
            case "Snappy" -> Compression.SNAPPY;
            case "HADOOP_SNAPPY" -> Compression.HADOOP_SNAPPY;
            default -> throw ApiException.validation("1 validation error detected: Value '"
                    + WireFormat.abbreviate(format) + "' at 'compressionFormat' failed to satisfy constraint: Member"
                    + " must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]");
        };
    }

    void applyProcessing(DeliveryStream.Builder builder, JsonNode processing) {
        if (processing == null || !processing.path("Enabled").asBoolean(false)) {
            return;
        }
        List<Processor> chain = new ArrayList<>();
        for (JsonNode processor : processing.path("Processors")) {
            String type = ApiRequest.required("Processors.Type", ApiRequest.string(processor, "Type"));
            Map<String, String> parameters = new LinkedHashMap<>();
            for (JsonNode parameter : processor.path("Parameters")) {
                parameters.put(ApiRequest.string(parameter, "ParameterName"),
                        ApiRequest.string(parameter, "ParameterValue"));
            }
            chain.add(processor(builder, type, parameters));
        }
        if (!chain.isEmpty()) {
            builder.processor(chain.size() == 1 ? chain.get(0) : Processor.chain(chain));
        }
    }

    private Processor processor(DeliveryStream.Builder builder, String type, Map<String, String> parameters) {
        return switch (type) {
            case "RecordDeAggregation" -> {
                String subRecordType = parameters.getOrDefault("SubRecordType", "JSON");
                if (subRecordType.equals("DELIMITED")) {
                    String delimiter = parameters.get("Delimiter");
                    if (delimiter == null) {
                        throw ApiException.invalidArgument("RecordDeAggregation with SubRecordType DELIMITED needs"
                                + " a Delimiter (base64)");
                    }
                    yield Processor.deaggregateDelimited(new String(base64(delimiter), StandardCharsets.UTF_8));
                }
                yield Processor.deaggregateJson();
            }
            case "Decompression" -> Processor.decompressGzip();
            case "CloudWatchLogProcessing" -> Processor.cloudWatchLogs();
            case "AppendDelimiterToRecord" -> Processor.appendNewline();
            case "MetadataExtraction" -> Processor.metadataExtraction(ApiRequest.required(
                    "MetadataExtraction.MetadataExtractionQuery", parameters.get("MetadataExtractionQuery")));
            case "Lambda" -> lambdaProcessor(builder, parameters);
            default -> throw ApiException.invalidArgument("unknown processor type '" + WireFormat.abbreviate(type)
                    + "'");
        };
    }

    /**
     * Firehose's {@code Lambda} processor through the server's Lambda endpoint. Parameters: {@code LambdaArn}
     * (required), {@code NumberOfRetries} (0-300, default 3: the delivery stream's processing retries),
     * {@code BufferSizeInMBs} (0.2-3, default 1: most record data per invocation), {@code BufferIntervalInSeconds}
     * (60-900, default 60: validated; Sluice invokes for each put, never later than Firehose would) and
     * {@code RoleArn} (accepted, not used: the endpoint has no IAM).
     */
    private Processor lambdaProcessor(DeliveryStream.Builder builder, Map<String, String> parameters) {
        if (lambda.isEmpty()) {
            throw ApiException.invalidArgument("Lambda processors need a Lambda Invoke endpoint: start the server with"
                    + " --lambda-endpoint URL (SluiceServer.Builder.lambdaEndpoint), or use Processor.lambda in"
                    + " process");
        }
        for (String name : parameters.keySet()) {
            if (!LAMBDA_PARAMETERS.contains(name)) {
                throw ApiException.invalidArgument("Lambda processor parameter '" + WireFormat.abbreviate(String.valueOf(name))
                        + "' is not one of " + LAMBDA_PARAMETERS);
            }
        }
        String arn = parameters.get("LambdaArn");
        if (arn == null || arn.isEmpty()) {
            throw ApiException.invalidArgument("Lambda processor needs the parameter LambdaArn, the ARN of the function"
                    + " to invoke, but has none");
        }
        double megabytes = number(parameters, "BufferSizeInMBs", 1, 0.2, 3);
        number(parameters, "BufferIntervalInSeconds", 60, 60, 900);
        double retries = number(parameters, "NumberOfRetries", 3, 0, 300);
        if (retries != Math.rint(retries)) {
            throw ApiException.invalidArgument("Lambda.NumberOfRetries must be a whole number but was '"
                    + parameters.get("NumberOfRetries") + "'");
        }
        builder.processingRetries((int) retries);
        try {
            return lambda.get().processor(arn, Math.round(megabytes * (1 << 20)));
        } catch (dev.sluice.transform.TransformException e) {
            throw ApiException.invalidArgument("Lambda.LambdaArn: " + e.getMessage());
        }
    }

    private static final List<String> LAMBDA_PARAMETERS = List.of("LambdaArn", "NumberOfRetries", "RoleArn",
            "BufferSizeInMBs", "BufferIntervalInSeconds");

    private static double number(Map<String, String> parameters, String name, double fallback, double min, double max) {
        String text = parameters.get(name);
        if (text == null) {
            return fallback;
        }
        double value;
        try {
            value = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw ApiException.invalidArgument("Lambda." + name + " must be a number in [" + trim(min) + ", "
                    + trim(max) + "] but was '" + WireFormat.abbreviate(text) + "'");
        }
        if (!(value >= min && value <= max)) {
            throw ApiException.invalidArgument("Lambda." + name + " must be in [" + trim(min) + ", " + trim(max)
                    + "] but was " + WireFormat.abbreviate(text));
        }
        return value;
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static byte[] base64(String value) {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidArgument("Delimiter must be base64-encoded but was '"
                    + WireFormat.abbreviate(value) + "'");
        }
    }
}
