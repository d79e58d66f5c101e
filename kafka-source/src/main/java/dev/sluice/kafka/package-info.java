/**
 * Delivery from Apache Kafka: {@link dev.sluice.kafka.KafkaSource} reads topics (by name or pattern) as a member of a
 * consumer group and feeds a {@link dev.sluice.delivery.DeliveryStream} with exactly-once objects, keeping its
 * checkpoints in the group's committed offsets.
 *
 * <p>Implementation lives in {@code dev.sluice.kafka.internal}, which is not API.
 */
package dev.sluice.kafka;
