/**
 * Kafka source machinery: the poll loop, the commit hand-off between the delivery stream's coordinator and the
 * consumer's thread, and the committed-offset form of checkpoints. Not API.
 */
package dev.sluice.kafka.internal;
