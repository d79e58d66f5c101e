/**
 * Delivery machinery: admission, the coordinator loop, buffers, encoders, codecs, sinks. Not API.
 */
package dev.sluice.delivery.internal;
