package dev.sluice.kinesis.internal;

import dev.sluice.kinesis.ReadMode;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

import java.util.Objects;

/**
 * A Kinesis source's validated configuration.
 *
 * @param client the user's client; the source never closes it
 * @param address the stream
 * @param readMode polling or enhanced fan-out
 * @param name names the reader thread and log lines
 * @param listShardsPageSize ListShards MaxResults, in [1, 10,000]
 */
public record SourceSettings(KinesisAsyncClient client, StreamAddress address, ReadMode readMode, String name,
                             int listShardsPageSize) {

    /** Kinesis ListShards: MaxResults defaults to 1,000. */
    public static final int DEFAULT_LIST_SHARDS_PAGE_SIZE = 1_000;
    /** Kinesis ListShards: MaxResults is at most 10,000. */
    public static final int MAX_LIST_SHARDS_PAGE_SIZE = 10_000;

    /** Validates. */
    public SourceSettings {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(readMode, "readMode");
        Objects.requireNonNull(name, "name");
    }
}
