package dev.sluice.server.example;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.nio.charset.StandardCharsets;

/**
 * Stands for a team's existing production code: it knows nothing about Sluice. It publishes each order event to a
 * Kinesis stream (keyed by customer, for per-customer order) and archives it through a Firehose delivery stream.
 */
public final class OrderEventsPublisher {

    private final KinesisClient kinesis;
    private final FirehoseClient firehose;
    private final String streamName;
    private final String deliveryStreamName;

    public OrderEventsPublisher(KinesisClient kinesis, FirehoseClient firehose, String streamName,
                                String deliveryStreamName) {
        this.kinesis = kinesis;
        this.firehose = firehose;
        this.streamName = streamName;
        this.deliveryStreamName = deliveryStreamName;
    }

    public void orderPlaced(String customerId, String orderId, long cents) {
        String json = "{\"event\":\"OrderPlaced\",\"customer\":\"" + customerId + "\",\"order\":\"" + orderId
                + "\",\"cents\":" + cents + "}";
        SdkBytes data = SdkBytes.fromString(json, StandardCharsets.UTF_8);
        kinesis.putRecord(b -> b.streamName(streamName).partitionKey(customerId).data(data));
        firehose.putRecord(b -> b.deliveryStreamName(deliveryStreamName).record(r -> r.data(data)));
    }
}
