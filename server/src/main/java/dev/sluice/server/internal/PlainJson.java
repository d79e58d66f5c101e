package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The plain {@link ObjectMapper} the server's state files and JSON documents (Glue catalog, channel and delivery
 * stream definitions, resource policies, Avro schemas) share.
 *
 * <p>Design note: made when first used, not when the classes that use it are loaded: the first mapper of a JVM
 * loads and initialises several hundred Jackson classes, which a server starting on an empty data directory does
 * not need before its first request. Thread-safe: the mapper is configured once here and only used afterwards.
 */
final class PlainJson {

    /** The shared mapper, default configuration. */
    static final ObjectMapper MAPPER = new ObjectMapper();

    private PlainJson() {
    }
}
