package dev.sluice.delivery;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Firehose's {@code HttpEndpointDestinationConfiguration} for {@link Sink#httpEndpoint}: where to POST, with which
 * access key, content encoding and common attributes.
 *
 * <p>Thread-safety: immutable.
 *
 * @param url the endpoint, {@code http} or {@code https}
 * @param accessKey sent as {@code X-Amz-Firehose-Access-Key} when present
 * @param gzipContentEncoding whether bodies are gzip-compressed with {@code Content-Encoding: gzip}
 *        (Firehose's {@code ContentEncoding=GZIP})
 * @param commonAttributes sent as {@code X-Amz-Firehose-Common-Attributes}; copied
 * @param requestTimeout how long one request may take before the attempt fails; Firehose waits up to 3 minutes
 */
public record HttpEndpointConfiguration(URI url, Optional<String> accessKey, boolean gzipContentEncoding,
                                        Map<String, String> commonAttributes, Duration requestTimeout) {

    /** Firehose's response timeout for HTTP endpoints (3 minutes). */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(3);

    /**
     * Validates and copies.
     *
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} for a non-HTTP URL or a non-positive timeout
     */
    public HttpEndpointConfiguration {
        Objects.requireNonNull(url, "url");
        if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))) {
            throw DeliveryException.invalidArgument("http endpoint url must be http or https but was " + url);
        }
        Objects.requireNonNull(accessKey, "accessKey");
        commonAttributes = Map.copyOf(commonAttributes);
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw DeliveryException.invalidArgument("http endpoint requestTimeout must be > PT0S but was "
                    + requestTimeout);
        }
    }

    /**
     * An endpoint with no access key, no content encoding, no common attributes and Firehose's timeout.
     *
     * @param url the endpoint
     * @return the configuration
     */
    public static HttpEndpointConfiguration of(URI url) {
        return new HttpEndpointConfiguration(url, Optional.empty(), false, Map.of(), DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * Returns a copy with an access key.
     *
     * @param key the key
     * @return the copy
     */
    public HttpEndpointConfiguration withAccessKey(String key) {
        return new HttpEndpointConfiguration(url, Optional.of(key), gzipContentEncoding, commonAttributes,
                requestTimeout);
    }

    /**
     * Returns a copy with gzip content encoding on or off.
     *
     * @param gzip whether to gzip bodies
     * @return the copy
     */
    public HttpEndpointConfiguration withGzip(boolean gzip) {
        return new HttpEndpointConfiguration(url, accessKey, gzip, commonAttributes, requestTimeout);
    }

    /**
     * Returns a copy with common attributes.
     *
     * @param attributes the attributes
     * @return the copy
     */
    public HttpEndpointConfiguration withCommonAttributes(Map<String, String> attributes) {
        return new HttpEndpointConfiguration(url, accessKey, gzipContentEncoding, attributes, requestTimeout);
    }

    /**
     * Returns a copy with another request timeout.
     *
     * @param timeout positive
     * @return the copy
     */
    public HttpEndpointConfiguration withRequestTimeout(Duration timeout) {
        return new HttpEndpointConfiguration(url, accessKey, gzipContentEncoding, commonAttributes, timeout);
    }
}
