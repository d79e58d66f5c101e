package dev.sluice.kinesis;

import dev.sluice.delivery.CheckpointStore;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliverySource;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.SourceContext;
import dev.sluice.kinesis.internal.KinesisReader;
import dev.sluice.kinesis.internal.SourceSettings;
import dev.sluice.kinesis.internal.StreamAddress;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Reads an Amazon Kinesis data stream (or anything that speaks its API, such as Sluice's server) into a
 * {@link DeliveryStream} through the AWS SDK v2's {@link KinesisAsyncClient}, with exactly-once output:
 *
 * <pre>{@code
 * KinesisAsyncClient kinesis = KinesisAsyncClient.create();           // your region, credentials, endpoint
 * try (DeliveryStream orders = DeliveryStream.builder()
 *         .name("orders-archive")
 *         .sink(Sink.localBucket(Path.of("/data/bucket")))
 *         .outputFormat(OutputFormat.jsonLines())
 *         .source(KinesisSource.builder()
 *                 .client(kinesis)
 *                 .streamName("orders")
 *                 .readMode(ReadMode.enhancedFanOut("orders-archive"))   // or ReadMode.polling()
 *                 .checkpointDirectory(Path.of("/data/checkpoints/orders"))
 *                 .build())
 *         .build()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Each shard is a partition of the delivery stream and each record's sequence number its position: objects are
 * named from (shard, first and last sequence number) and a shard's checkpoint moves past a segment only once its
 * objects are committed, so a restart on the same checkpoints resumes right after them, without duplicates or gaps.
 * Shards are listed with ListShards (every page) at start, whenever a shard ends, and every 10 seconds; a child shard
 * is read only once its parent and adjacent parent were read to their end, so each partition key's records are
 * handed over in order across splits, merges and UpdateShardCount.
 *
 * <p>Errors: ProvisionedThroughputExceededException and LimitExceededException back off exponentially (200 ms
 * doubling to 5 s, on the delivery stream's ticker) after the client's own retries; an ExpiredIteratorException gets
 * a new iterator after the last record handed over; I/O errors and 5xx answers are retried. A stream that is deleted
 * while read, an enhanced fan-out consumer that is deregistered, a refusal (AccessDeniedException,
 * InvalidArgumentException, a disabled KMS key) end reading: the records handed over before are still delivered,
 * and {@link DeliveryStream#flush()} throws {@link ErrorCode#SOURCE_FAILED} naming the stream and the cause. A record
 * over {@link DeliveryStream#MAX_RECORD_BYTES} (Kinesis takes up to 1 MiB) is handed over like the others and goes
 * to the delivery stream's error output, raw data included.
 *
 * <p>Not covered: shard leases (one source reads every shard of the stream: run one per stream and checkpoint
 * store), KPL de-aggregation (aggregated records are delivered as the Kinesis record's bytes), and starting anywhere
 * but TRIM_HORIZON when a shard has no checkpoint.
 *
 * <p>Thread-safety: built once; {@link #start} and {@link #close} are called by the delivery stream. The source
 * reads on one daemon thread, {@code sluice-source-kinesis-<name>-0}, which is where {@link CheckpointStore#load}
 * runs; SDK callbacks only hand work to that thread. The client is the caller's: the source never closes it.
 */
public final class KinesisSource implements DeliverySource {

    private final SourceSettings settings;
    private final CheckpointStore store;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile KinesisReader reader;

    private KinesisSource(SourceSettings settings, CheckpointStore store) {
        this.settings = settings;
        this.store = store;
    }

    /**
     * Returns a builder; a client, the stream and a checkpoint store are required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CheckpointStore checkpointStore() {
        return store;
    }

    /**
     * Describes the stream with DescribeStreamSummary and starts the reader thread.
     *
     * @param context the delivery stream's side
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} when the stream cannot be described (it does not
     *         exist, the endpoint cannot be reached, the credentials are refused) or the source was started before
     */
    @Override
    public void start(SourceContext context) {
        Objects.requireNonNull(context, "context");
        if (!started.compareAndSet(false, true)) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, description() + " was already started; a"
                    + " source serves one delivery stream");
        }
        KinesisReader created = new KinesisReader(settings, context);
        created.start();
        reader = created;
    }

    /**
     * Stops reading within {@code timeout}: in-flight calls and subscriptions are cancelled and the thread ends.
     * Idempotent; the client stays open.
     *
     * @param timeout how long to wait for the reader thread
     */
    @Override
    public void close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        KinesisReader running = reader;
        if (running != null) {
            running.close(timeout);
        }
    }

    /**
     * Returns {@code Kinesis stream <name> (polling)} or {@code Kinesis stream <name> (enhanced fan-out consumer
     * <consumer>)}.
     *
     * @return the description
     */
    @Override
    public String description() {
        String mode = settings.readMode() instanceof ReadMode.EnhancedFanOut fanOut
                ? "enhanced fan-out consumer " + fanOut.consumerName() : "polling";
        return "Kinesis stream " + settings.address().streamName() + " (" + mode + ")";
    }

    @Override
    public String toString() {
        return description();
    }

    /**
     * Configures a {@link KinesisSource}; {@link #build()} validates and names the first missing or invalid option.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {

        private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");

        private KinesisAsyncClient client;
        private String streamName;
        private String streamArn;
        private ReadMode readMode = ReadMode.polling();
        private CheckpointStore checkpointStore;
        private Path checkpointDirectory;
        private String name;
        private int listShardsPageSize = SourceSettings.DEFAULT_LIST_SHARDS_PAGE_SIZE;

        private Builder() {
        }

        /**
         * Sets the client (required). Its region, credentials, endpoint, HTTP client and retry policy are yours;
         * enhanced fan-out needs an HTTP/2 client (the SDK's default Netty client for Kinesis is). The SDK's own
         * retries run before the source's back-off.
         *
         * @param client the client; not closed by the source
         * @return this builder
         */
        public Builder client(KinesisAsyncClient client) {
            this.client = client;
            return this;
        }

        /**
         * Names the stream (this or {@link #streamArn} is required).
         *
         * @param streamName 1 to 128 characters of {@code [a-zA-Z0-9_.-]}
         * @return this builder
         */
        public Builder streamName(String streamName) {
            this.streamName = streamName;
            this.streamArn = null;
            return this;
        }

        /**
         * Names the stream by ARN (this or {@link #streamName} is required); every request then carries the ARN.
         *
         * @param streamArn {@code arn:<partition>:kinesis:<region>:<account>:stream/<name>}
         * @return this builder
         */
        public Builder streamArn(String streamArn) {
            this.streamArn = streamArn;
            this.streamName = null;
            return this;
        }

        /**
         * Sets how shards are read; default {@link ReadMode#polling()}.
         *
         * @param readMode polling or enhanced fan-out
         * @return this builder
         */
        public Builder readMode(ReadMode readMode) {
            this.readMode = readMode;
            return this;
        }

        /**
         * Keeps checkpoints in {@code store} (this or {@link #checkpointDirectory} is required), for example one
         * shared by a fleet's instances; it must follow the {@link CheckpointStore} contract.
         *
         * @param store the store
         * @return this builder
         */
        public Builder checkpointStore(CheckpointStore store) {
            this.checkpointStore = store;
            this.checkpointDirectory = null;
            return this;
        }

        /**
         * Keeps checkpoints as files in {@code directory}: {@link CheckpointStore#directory(Path)}. Use one directory
         * per stream and delivery stream.
         *
         * @param directory created if missing
         * @return this builder
         */
        public Builder checkpointDirectory(Path directory) {
            this.checkpointDirectory = directory;
            this.checkpointStore = null;
            return this;
        }

        /**
         * Names the source's thread ({@code sluice-source-kinesis-<name>-0}) and log lines; default the stream name.
         *
         * @param name 1 to 128 characters of {@code [a-zA-Z0-9_.-]}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** ListShards MaxResults; small pages let tests exercise NextToken on small streams. */
        Builder listShardsPageSize(int pageSize) {
            this.listShardsPageSize = pageSize;
            return this;
        }

        /**
         * Validates and builds; nothing is called on the client until the delivery stream starts the source.
         *
         * @return the source
         * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the first missing or invalid option
         */
        public KinesisSource build() {
            require("client", client);
            require("readMode", readMode);
            StreamAddress address;
            if (streamArn != null) {
                address = StreamAddress.ofArn(streamArn).orElseThrow(() -> invalid("streamArn must be"
                        + " arn:<partition>:kinesis:<region>:<account>:stream/<name> but was '" + streamArn + "'"));
            } else if (streamName != null) {
                checkName("streamName", streamName);
                address = StreamAddress.ofName(streamName);
            } else {
                throw invalid("streamName or streamArn must be set but both were null");
            }
            if (checkpointStore == null && checkpointDirectory == null) {
                throw invalid("checkpointStore or checkpointDirectory must be set but both were null");
            }
            String sourceName = name != null ? name : address.streamName();
            checkName("name", sourceName);
            if (listShardsPageSize < 1 || listShardsPageSize > SourceSettings.MAX_LIST_SHARDS_PAGE_SIZE) {
                throw invalid("listShardsPageSize must be in [1, " + SourceSettings.MAX_LIST_SHARDS_PAGE_SIZE
                        + "] but was " + listShardsPageSize);
            }
            CheckpointStore store = checkpointStore != null ? checkpointStore
                    : CheckpointStore.directory(checkpointDirectory);
            return new KinesisSource(new SourceSettings(client, address, readMode, sourceName, listShardsPageSize),
                    store);
        }

        private static void checkName(String field, String value) {
            if (!NAME.matcher(value).matches()) {
                throw invalid(field + " must be 1 to 128 characters of [a-zA-Z0-9_.-] but was '" + value + "'");
            }
        }

        private static void require(String field, Object value) {
            if (value == null) {
                throw invalid(field + " must be set but was null");
            }
        }

        private static DeliveryException invalid(String message) {
            return new DeliveryException(ErrorCode.INVALID_ARGUMENT, message);
        }
    }
}
