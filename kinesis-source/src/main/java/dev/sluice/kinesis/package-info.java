/**
 * Reading an Amazon Kinesis data stream into a delivery stream through the AWS SDK v2:
 * {@link dev.sluice.kinesis.KinesisSource} and its {@link dev.sluice.kinesis.ReadMode} (GetRecords polling or
 * enhanced fan-out). Pass the source to {@link dev.sluice.delivery.DeliveryStream.Builder#source}.
 *
 * <p>Implementation lives in {@code dev.sluice.kinesis.internal}, which is not API.
 */
package dev.sluice.kinesis;
