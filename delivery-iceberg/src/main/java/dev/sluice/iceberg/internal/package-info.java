/**
 * The Iceberg destination's machinery: table writers, schema translation, routing, the local file IO. Not API.
 */
package dev.sluice.iceberg.internal;
