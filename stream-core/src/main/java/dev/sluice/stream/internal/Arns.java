package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;

import java.time.Instant;

/**
 * Kinesis ARNs: {@code arn:aws:kinesis:<region>:<account>:stream/<name>} for streams and
 * {@code <stream ARN>/consumer/<name>:<creation epoch seconds>} for enhanced fan-out consumers.
 */
final class Arns {

    private Arns() {
    }

    static String stream(String region, String streamName) {
        return "arn:aws:kinesis:" + region + ":" + KinesisLimits.ACCOUNT_ID + ":stream/" + streamName;
    }

    static String consumer(String streamArn, String consumerName, Instant created) {
        return streamArn + "/consumer/" + consumerName + ":" + created.getEpochSecond();
    }

    /**
     * The stream name in a stream ARN.
     *
     * @param arn a stream ARN
     * @return its stream name
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if it is not a Kinesis stream ARN
     */
    static String streamName(String arn) {
        if (arn == null) {
            throw new StreamException(ErrorCode.VALIDATION, "StreamARN must not be null");
        }
        String[] parts = arn.split(":", 6);
        if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("kinesis") || !parts[5].startsWith("stream/")
                || parts[5].indexOf('/', "stream/".length()) >= 0) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "'" + KinesisLimits.abbreviate(arn) + "' is not a Kinesis"
                    + " stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)");
        }
        return KinesisLimits.checkStreamName(parts[5].substring("stream/".length()));
    }

    /**
     * Splits a consumer ARN into its stream name and consumer name.
     *
     * @param arn a consumer ARN
     * @return {stream name, consumer name}
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if it is not a Kinesis consumer ARN
     */
    static String[] consumer(String arn) {
        if (arn == null) {
            throw new StreamException(ErrorCode.VALIDATION, "ConsumerARN must not be null");
        }
        int marker = arn.indexOf("/consumer/");
        int colon = arn.lastIndexOf(':');
        if (marker < 0 || colon < marker) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "'" + KinesisLimits.abbreviate(arn) + "' is not a Kinesis"
                    + " consumer ARN (arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<name>:<timestamp>)");
        }
        return new String[] {streamName(arn.substring(0, marker)), arn.substring(marker + "/consumer/".length(), colon)};
    }
}
