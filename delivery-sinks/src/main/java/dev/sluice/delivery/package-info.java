/**
 * Firehose-style buffered delivery. This module holds no code yet: its issue (buffered delivery to a
 * local bucket, S3 and HTTP endpoints) has not been worked on. It is in the reactor so the dependency
 * direction {@code delivery-sinks -> transforms -> stream-core} is fixed from the start.
 */
package dev.sluice.delivery;
