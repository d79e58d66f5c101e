package dev.sluice.kinesis.internal;

import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryRequest;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;

import java.util.Objects;
import java.util.Optional;

/**
 * The stream as the user named it: by name, or by ARN (then every request carries the ARN, which Kinesis also
 * uses to route to the owning account).
 *
 * @param streamName the name; taken from the ARN when an ARN is given
 * @param streamArn the ARN, when given
 */
public record StreamAddress(String streamName, Optional<String> streamArn) {

    private static final String ARN_STREAM = ":stream/";

    /** Validates. */
    public StreamAddress {
        Objects.requireNonNull(streamName, "streamName");
        Objects.requireNonNull(streamArn, "streamArn");
    }

    /**
     * A stream given by name.
     *
     * @param streamName the name
     * @return the address
     */
    public static StreamAddress ofName(String streamName) {
        return new StreamAddress(streamName, Optional.empty());
    }

    /**
     * A stream given by ARN ({@code arn:<partition>:kinesis:<region>:<account>:stream/<name>}).
     *
     * @param streamArn the ARN
     * @return the address, or empty when {@code streamArn} is not a Kinesis stream ARN
     */
    public static Optional<StreamAddress> ofArn(String streamArn) {
        int at = streamArn.indexOf(ARN_STREAM);
        if (!streamArn.startsWith("arn:") || !streamArn.contains(":kinesis:") || at < 0
                || at + ARN_STREAM.length() == streamArn.length()) {
            return Optional.empty();
        }
        return Optional.of(new StreamAddress(streamArn.substring(at + ARN_STREAM.length()), Optional.of(streamArn)));
    }

    DescribeStreamSummaryRequest describe() {
        DescribeStreamSummaryRequest.Builder b = DescribeStreamSummaryRequest.builder();
        return streamArn.isPresent() ? b.streamARN(streamArn.get()).build() : b.streamName(streamName).build();
    }

    ListShardsRequest.Builder listShards() {
        ListShardsRequest.Builder b = ListShardsRequest.builder();
        return streamArn.isPresent() ? b.streamARN(streamArn.get()) : b.streamName(streamName);
    }

    GetShardIteratorRequest.Builder shardIterator() {
        GetShardIteratorRequest.Builder b = GetShardIteratorRequest.builder();
        return streamArn.isPresent() ? b.streamARN(streamArn.get()) : b.streamName(streamName);
    }

    GetRecordsRequest.Builder records() {
        GetRecordsRequest.Builder b = GetRecordsRequest.builder();
        return streamArn.isPresent() ? b.streamARN(streamArn.get()) : b;
    }

    @Override
    public String toString() {
        return streamName;
    }
}
