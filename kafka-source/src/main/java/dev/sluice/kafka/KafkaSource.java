package dev.sluice.kafka;

import dev.sluice.delivery.CheckpointStore;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliverySource;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.SourceContext;
import dev.sluice.kafka.internal.CommitHandOff;
import dev.sluice.kafka.internal.ConsumerLoop;
import dev.sluice.kafka.internal.OffsetCheckpointStore;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Reads Apache Kafka topics into a {@link DeliveryStream}, with exactly-once objects, in the manner of Kafka
 * Connect's S3 sink: several instances with the same group id share the topics' partitions through Kafka's consumer
 * group protocol, and each object's name comes from the topic, partition and offsets of its records.
 *
 * <p>Thread-safety: thread-safe. {@link #start} and {@link #close} are called by the delivery stream. The source
 * owns two daemon threads:
 * {@code sluice-source-kafka-<name>-0}, the only thread that touches the {@code KafkaConsumer} (polls, rebalance
 * callbacks, offset commits), and {@code sluice-source-kafka-<name>-1}, which waits for drains during rebalances.
 *
 * <pre>{@code
 * try (DeliveryStream clicks = DeliveryStream.builder()
 *         .name("clicks")
 *         .source(KafkaSource.builder()
 *                 .bootstrapServers("kafka-1:9092,kafka-2:9092")
 *                 .groupId("clicks-to-s3")
 *                 .topics("clicks")
 *                 .build())
 *         .processor(chain)
 *         .outputFormat(OutputFormat.parquet(ParquetConversion.of(schema)))
 *         .sink(Sink.s3(destination))
 *         .build()) {
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Partitions and positions.</b> Each topic-partition is a partition of the delivery stream named
 * {@code <topic>-<partition>}; a record's position is its offset in decimal. The record key (UTF-8) is the Kinesis
 * partition key transforms see, the record timestamp is its arrival time (it names the objects and fills
 * {@code !{timestamp:...}}), a null value is an empty record.
 *
 * <p><b>Checkpoints are the group's committed offsets.</b> A partition's checkpoint (the last offset whose records
 * are all final) is committed as offset {@code checkpoint + 1}, so Kafka's own tools show the group's progress and
 * lag; the segments whose objects are being written travel in the commit's metadata (compact JSON, at most 4,096
 * characters, Kafka's default {@code offset.metadata.max.bytes}; a longer list is refused and the segment waits). The
 * delivery stream commits a segment as pending before writing its first object and commits the advanced checkpoint
 * after its last one. On assignment, an instance reads the committed offset, resumes after it and rebuilds the
 * pending segments with the same boundaries, hence the same object names; objects are created only if absent, so
 * what the previous owner already wrote is found, not written twice, and nothing before the committed offset is
 * lost.
 *
 * <p><b>Rebalances.</b> A revoked partition is drained first (its buffered records are sealed and their objects
 * committed, for up to 30 seconds), then given up; a lost partition is given up at once. Records not sealed when a
 * partition is given up are discarded here and read again by its next owner. After a partition is given up this
 * instance never commits for it again. The cooperative sticky assignor is the default, so a rebalance moves only
 * the partitions that change owner.
 *
 * <p><b>Fencing a zombie.</b> An instance that was paused (a long GC, a frozen VM) while the group moved its partitions
 * to another instance cannot cause duplicates or gaps: every commit goes through {@code commitSync} with the group
 * generation the instance belongs to, and the group coordinator refuses a stale generation or an evicted member
 * ({@code CommitFailedException}, {@code RebalanceInProgressException}), so a segment the zombie tries to record as
 * pending after the hand-over is never stored and the delivery stream writes none of its objects. A segment the
 * zombie recorded before the hand-over is in the committed metadata the new owner reads, so the new owner rebuilds
 * it from the same records under the same object names; whichever of the two writes an object first creates it, the
 * other finds it present, and the zombie's late checkpoint commit is refused like any other. This needs what
 * exactly-once delivery needs anyway: a deterministic processing chain, the same delivery-stream configuration and
 * version on every instance, and a sink that honours create-if-absent (the built-in bucket sinks do).
 *
 * <p><b>Consumer settings.</b> Sluice sets {@code enable.auto.commit=false} (required), byte-array deserializers
 * (required), and by default {@code isolation.level=read_committed} (transactional producers: aborted records are
 * never delivered), {@code auto.offset.reset=earliest} (a partition the group never committed is read from its
 * beginning, including partitions added while running), {@code allow.auto.create.topics=false},
 * {@code max.poll.records=}{@value #DEFAULT_MAX_POLL_RECORDS} and the {@code CooperativeStickyAssignor};
 * {@link Builder#consumerProperty} overrides the defaults and adds any other consumer setting (security, timeouts,
 * {@code metadata.max.age.ms}, which bounds how soon new partitions and pattern matches are seen).
 *
 * <p><b>Bad input.</b> A named topic that does not exist, or a cluster that does not answer within the start
 * timeout, fails {@link DeliveryStream.Builder#build()} with a {@link DeliveryException} naming it. A failure while
 * running (authorization, a fatal consumer error) stops the source: records already read are still delivered and
 * {@link DeliveryStream#flush()} throws {@link ErrorCode#SOURCE_FAILED} with the cause. Records that do not fit the
 * output format go to the delivery stream's error output as usual. A record over
 * {@link DeliveryStream#MAX_RECORD_BYTES} (possible with Kafka's default 1 MiB message limit) is handed over like
 * the others; the delivery stream sends it, raw data included, to its error output ({@code processing-failed},
 * {@code ValidationException}), so it neither stalls its partition nor is lost.
 *
 * <p><b>Limits.</b> Compacted topics: if compaction removes a pending segment's last record before the segment is
 * rebuilt, the rebuild cuts it elsewhere, under other object names, and records already written under the old names
 * are delivered twice. Retention that deletes records a group has not delivered loses them, as for any consumer.
 */
public final class KafkaSource implements DeliverySource {

    /** Default longest poll when no records are waiting. */
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(200);
    /** Default bound of one offset commit (and of reading committed offsets on assignment). */
    public static final Duration DEFAULT_COMMIT_TIMEOUT = Duration.ofSeconds(30);
    /** Default bound of the cluster check in {@link #start}. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@code max.poll.records}: large enough that a poll feeds a put of useful size. */
    public static final int DEFAULT_MAX_POLL_RECORDS = 2000;
    /**
     * Longest topic name: a partition name ({@code <topic>-<partition>}) is at most 256 characters; Kafka itself
     * allows 249.
     */
    public static final int MAX_TOPIC_LENGTH = 245;

    private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]+");
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);

    private final Map<String, Object> properties;
    private final List<String> topics;
    private final Pattern topicPattern;
    private final Duration pollTimeout;
    private final Duration commitTimeout;
    private final Duration startTimeout;
    private final String name;
    private final String description;
    private final CommitHandOff commits;
    private final OffsetCheckpointStore store;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private ConsumerLoop loop;
    private Thread pollThread;
    private ExecutorService drainer;
    private boolean started;
    private boolean closed;

    private KafkaSource(Builder builder) {
        this.properties = builder.effectiveProperties();
        this.topics = builder.topics;
        this.topicPattern = builder.topicPattern;
        this.pollTimeout = builder.pollTimeout;
        this.commitTimeout = builder.commitTimeout;
        this.startTimeout = builder.startTimeout;
        this.name = builder.name != null ? builder.name : builder.groupId;
        this.description = "kafka source " + name + " (" + (topics != null ? "topics " + topics
                : "topics matching " + topicPattern.pattern()) + ", group " + builder.groupId + ", bootstrap "
                + builder.bootstrapServers + ")";
        this.commits = new CommitHandOff(this::wakeUp, commitTimeout, description);
        this.store = new OffsetCheckpointStore(commits);
    }

    /**
     * Returns a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the group's committed offsets as a checkpoint store.
     *
     * @return the store
     */
    @Override
    public CheckpointStore checkpointStore() {
        return store;
    }

    /**
     * Checks the cluster (reachable, named topics exist), subscribes and starts the poll thread.
     *
     * @param context the delivery stream's side
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} for a named topic that does not exist, consumer
     *         properties Kafka rejects, or a second start; {@link ErrorCode#SOURCE_FAILED} when no broker answers
     *         within the start timeout or the cluster refuses access
     */
    @Override
    public synchronized void start(SourceContext context) {
        if (started || closed) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, description + " is already started; a KafkaSource"
                    + " serves one delivery stream");
        }
        started = true;
        KafkaConsumer<byte[], byte[]> created;
        try {
            created = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (KafkaException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, description + ": cannot create the consumer: "
                    + e.getMessage() + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : ""), e);
        }
        try {
            checkCluster(created);
        } catch (RuntimeException e) {
            created.close(CloseOptions.timeout(Duration.ZERO));
            throw e;
        }
        consumer = created;
        drainer = Executors.newSingleThreadExecutor(r -> daemon(r, "sluice-source-kafka-" + name + "-1"));
        BiConsumer<Consumer<byte[], byte[]>, ConsumerRebalanceListener> subscribe = topics != null
                ? (c, listener) -> c.subscribe(topics, listener)
                : (c, listener) -> c.subscribe(topicPattern, listener);
        loop = new ConsumerLoop(created, subscribe, context, commits, store, drainer, pollTimeout, commitTimeout,
                description);
        pollThread = daemon(loop, "sluice-source-kafka-" + name + "-0");
        pollThread.start();
        LOG.info("{}: started", description);
    }

    /** Wakes the poll thread for a queued commit; a consumer already closed has nobody to wake. */
    private void wakeUp() {
        KafkaConsumer<byte[], byte[]> current = consumer;
        if (current != null) {
            try {
                current.wakeup();
            } catch (RuntimeException e) {
                LOG.debug("{}: wake-up of a closed consumer ignored: {}", description, e.toString());
            }
        }
    }

    private void checkCluster(KafkaConsumer<byte[], byte[]> candidate) {
        Map<String, List<PartitionInfo>> existing;
        try {
            existing = candidate.listTopics(startTimeout);
        } catch (TimeoutException e) {
            throw new DeliveryException(ErrorCode.SOURCE_FAILED, description + ": no Kafka broker answered within "
                    + startTimeout + "; check bootstrapServers and that the cluster is up", e);
        } catch (KafkaException e) {
            throw new DeliveryException(ErrorCode.SOURCE_FAILED, description + ": the cluster refused to list topics: "
                    + e.getMessage(), e);
        }
        if (topics == null) {
            long matching = existing.keySet().stream().filter(t -> topicPattern.matcher(t).matches()).count();
            if (matching == 0) {
                LOG.warn("{}: no topic matches {} yet; partitions are assigned when one appears", description,
                        topicPattern.pattern());
            }
            return;
        }
        List<String> missing = new ArrayList<>();
        for (String topic : topics) {
            if (!existing.containsKey(topic)) {
                missing.add(topic);
            }
        }
        if (!missing.isEmpty()) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, description + ": topic" + (missing.size() > 1
                    ? "s " : " ") + missing + (missing.size() > 1 ? " do" : " does") + " not exist in the cluster;"
                    + " create " + (missing.size() > 1 ? "them" : "it") + " first (the source never creates topics)");
        }
    }

    /**
     * Stops reading: drains the owned partitions for at most {@code timeout} (their records are sealed and committed),
     * gives them up, leaves the group and closes the consumer. Records not drained in time are read again by the
     * partitions' next owner. Idempotent.
     *
     * @param timeout how long the drain may take
     */
    @Override
    public void close(Duration timeout) {
        Thread thread;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            thread = pollThread;
            if (loop != null) {
                loop.stop(timeout);
            }
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(timeout.toMillis() + TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.warn("{}: the poll thread did not stop within {} plus 10 s", description, timeout);
            }
        }
        if (drainer != null) {
            drainer.shutdownNow();
        }
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }

    private static Thread daemon(Runnable task, String threadName) {
        Thread thread = new Thread(task, threadName);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Configures a {@link KafkaSource}; {@link #build()} validates and names the first bad value.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {

        /** Consumer settings the source owns; setting them through {@link #consumerProperty} is refused. */
        private static final List<String> RESERVED = List.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);

        private String bootstrapServers;
        private String groupId;
        private List<String> topics;
        private Pattern topicPattern;
        private final Map<String, String> consumerProperties = new LinkedHashMap<>();
        private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
        private Duration commitTimeout = DEFAULT_COMMIT_TIMEOUT;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private String name;

        private Builder() {
        }

        /**
         * Sets the brokers to bootstrap from (required), Kafka's {@code bootstrap.servers}.
         *
         * @param servers {@code host:port[,host:port...]}
         * @return this builder
         */
        public Builder bootstrapServers(String servers) {
            this.bootstrapServers = servers;
            return this;
        }

        /**
         * Sets the consumer group (required). Instances with the same group id share the partitions; the group's
         * committed offsets are the delivery checkpoints, so give each delivery (each destination and configuration)
         * its own group.
         *
         * @param groupId the group id
         * @return this builder
         */
        public Builder groupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        /**
         * Reads these topics; they must exist when the source starts. Replaces a {@link #topicPattern}.
         *
         * @param topics one or more topic names, each at most {@value KafkaSource#MAX_TOPIC_LENGTH} characters
         * @return this builder
         */
        public Builder topics(String... topics) {
            return topics(Arrays.asList(Objects.requireNonNull(topics, "topics")));
        }

        /**
         * Reads these topics; they must exist when the source starts. Replaces a {@link #topicPattern}.
         *
         * @param topics one or more topic names, each at most {@value KafkaSource#MAX_TOPIC_LENGTH} characters
         * @return this builder
         */
        public Builder topics(List<String> topics) {
            this.topics = List.copyOf(topics);
            this.topicPattern = null;
            return this;
        }

        /**
         * Reads every topic whose whole name matches {@code pattern}, including topics created later (seen within
         * {@code metadata.max.age.ms}). Replaces {@link #topics}.
         *
         * @param pattern the pattern
         * @return this builder
         */
        public Builder topicPattern(Pattern pattern) {
            this.topicPattern = Objects.requireNonNull(pattern, "pattern");
            this.topics = null;
            return this;
        }

        /**
         * Sets any other Kafka consumer setting (security, timeouts, {@code metadata.max.age.ms}, ...) or overrides
         * one of Sluice's defaults (see {@link KafkaSource}). {@code bootstrap.servers}, {@code group.id} and the
         * deserializers are set by the source; {@code enable.auto.commit} may only be {@code false}.
         *
         * @param key the consumer config name
         * @param value its value
         * @return this builder
         */
        public Builder consumerProperty(String key, String value) {
            consumerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Sets the longest poll when no records are waiting. Default {@link #DEFAULT_POLL_TIMEOUT}. Commits and
         * close do not wait for it: they wake the poll.
         *
         * @param timeout in [PT0.001S, PT30S]
         * @return this builder
         */
        public Builder pollTimeout(Duration timeout) {
            this.pollTimeout = timeout;
            return this;
        }

        /**
         * Sets the bound of one offset commit; a commit that takes longer fails and its segment is not written (it
         * is retried one buffering interval later). Default {@link #DEFAULT_COMMIT_TIMEOUT}.
         *
         * @param timeout in [PT1S, PT5M]
         * @return this builder
         */
        public Builder commitTimeout(Duration timeout) {
            this.commitTimeout = timeout;
            return this;
        }

        /**
         * Sets how long {@link KafkaSource#start} waits for the cluster to list its topics. Default
         * {@link #DEFAULT_START_TIMEOUT}.
         *
         * @param timeout in [PT0.1S, PT5M]
         * @return this builder
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Names the source in thread names and messages. Default: the group id.
         *
         * @param name 1 to 64 characters
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Validates and builds. The consumer is created when the delivery stream starts the source.
         *
         * @return the source; pass it to {@link DeliveryStream.Builder#source}
         * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the first invalid setting, its allowed
         *         values and the actual value
         */
        public KafkaSource build() {
            requireText("bootstrapServers", bootstrapServers);
            requireText("groupId", groupId);
            if ((topics == null) == (topicPattern == null)) {
                throw invalid("exactly one of topics and topicPattern must be set but " + (topics == null
                        ? "neither was" : "both were"));
            }
            if (topics != null) {
                if (topics.isEmpty()) {
                    throw invalid("topics must name at least one topic but was empty");
                }
                for (String topic : topics) {
                    if (topic == null || topic.isEmpty() || topic.length() > MAX_TOPIC_LENGTH
                            || !TOPIC_NAME.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
                        throw invalid("topics must be 1 to " + MAX_TOPIC_LENGTH + " characters of [a-zA-Z0-9._-]"
                                + " (Kafka's rule) but one was " + (topic == null ? "null" : "'" + topic + "'"));
                    }
                }
            }
            checkRange("pollTimeout", pollTimeout, Duration.ofMillis(1), Duration.ofSeconds(30));
            checkRange("commitTimeout", commitTimeout, Duration.ofSeconds(1), Duration.ofMinutes(5));
            checkRange("startTimeout", startTimeout, Duration.ofMillis(100), Duration.ofMinutes(5));
            if (name != null && (name.isEmpty() || name.length() > 64)) {
                throw invalid("name must be 1 to 64 characters but was '" + name + "'");
            }
            for (String key : RESERVED) {
                if (consumerProperties.containsKey(key)) {
                    throw invalid("consumerProperty " + key + " is set by the source (use the builder's own setter)"
                            + " but was given as '" + consumerProperties.get(key) + "'");
                }
            }
            String autoCommit = consumerProperties.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
            if (autoCommit != null && !autoCommit.equalsIgnoreCase("false")) {
                throw invalid("consumerProperty enable.auto.commit must be false (offsets are the delivery"
                        + " checkpoints, committed only after objects are written) but was '" + autoCommit + "'");
            }
            return new KafkaSource(this);
        }

        private Map<String, Object> effectiveProperties() {
            Map<String, Object> props = new HashMap<>();
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(DEFAULT_MAX_POLL_RECORDS));
            String protocol = consumerProperties.getOrDefault(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
            if (protocol.equalsIgnoreCase("classic")) {
                props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                        CooperativeStickyAssignor.class.getName());
            }
            props.putAll(consumerProperties);
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            return props;
        }

        private static void requireText(String field, String value) {
            if (value == null || value.isBlank()) {
                throw invalid(field + " must be set but was " + (value == null ? "null" : "'" + value + "'"));
            }
        }

        private static void checkRange(String field, Duration value, Duration min, Duration max) {
            if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw invalid(field + " must be in [" + min + ", " + max + "] but was " + value);
            }
        }

        private static DeliveryException invalid(String message) {
            return new DeliveryException(ErrorCode.INVALID_ARGUMENT, message);
        }
    }
}
