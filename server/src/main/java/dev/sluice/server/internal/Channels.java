package dev.sluice.server.internal;

import dev.sluice.delivery.DeliveryStream;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The server's Kinesis channels: their definitions, their delivery streams and their lifecycle, and the
 * {@link ChannelResources} the resource-level operations use.
 *
 * <p>Design note. State: a map from name to {@link Hosted}; each entry's fields change under the entry's monitor,
 * the map under the registry's. Lifecycle work (starting, restarting and stopping delivery streams) runs on one
 * owned thread, {@code sluice-server-channels}, so requests return at once, as CreateChannel does in AWS. A
 * transitional status (CREATING, UPDATING, DELETING) lasts until its work is done and at least
 * {@link #PROVISIONING} has passed on the server's ticker since the request, so a client sees it at least once and
 * tests with a manual clock decide when it ends; the status is settled lazily when read. A channel whose work failed
 * is FAILED with the reason; a deleted one disappears when its DELETING settles. Definitions are saved under the
 * state directory ({@code <state>/<ChannelId>/channel.json}, with the delivery checkpoints beside) and reloaded, and
 * their delivery restarted, when the server starts; DeleteChannel removes the definition first, so a crash while
 * DELETING does not bring the channel back. CreateChannel is limited to {@link #CREATE_PER_SECOND} calls per
 * second by a token bucket on the ticker.
 */
final class Channels implements ChannelResources {

    /** AWS: CreateChannel is limited to 5 transactions per second per account. */
    static final int CREATE_PER_SECOND = 5;
    /**
     * Channels per account. AWS documents no default; this is the default on-demand stream quota, which a channel
     * (on-demand streams only) follows.
     */
    static final int CHANNEL_COUNT_LIMIT = 50;
    /** Kinesis: at most 200 tags per resource. */
    static final int MAX_TAGS = 200;
    /** The least time a channel stays CREATING, UPDATING or DELETING. */
    static final Duration PROVISIONING = Duration.ofMillis(500);

    private static final Logger LOG = LoggerFactory.getLogger(Channels.class);
    private static final String DEFINITION_FILE = "channel.json";

    /** A channel's status, as ChannelStatus. */
    enum Status { CREATING, ACTIVE, UPDATING, DELETING, FAILED }

    private final ChannelDeliveries deliveries;
    private final StreamEngine engine;
    private final Path stateRoot;
    private final Clock clock;
    private final Ticker ticker;
    private final ExecutorService worker;
    private final TreeMap<String, Hosted> channels = new TreeMap<>();
    private final Duration closeTimeout;
    private double createTokens = CREATE_PER_SECOND;
    private long createRefilledNanos;
    private boolean closed;

    /** One channel; every field is guarded by the instance's monitor. */
    static final class Hosted {
        private ChannelDefinition definition;
        private Status status;
        private Status transition;
        private CompletableFuture<Void> work;
        private long readyAtNanos;
        private String reason;
        private List<DeliveryStream> streams = List.of();
        private boolean gone;

        private Hosted(ChannelDefinition definition, Status status) {
            this.definition = definition;
            this.status = status;
        }
    }

    /** A consistent view of one channel for a response. */
    record Snapshot(ChannelDefinition definition, Status status, Optional<String> reason) {
    }

    Channels(ChannelDeliveries deliveries, StreamEngine engine, Path stateRoot, Clock clock, Ticker ticker,
             Duration closeTimeout) {
        this.deliveries = deliveries;
        this.engine = engine;
        this.stateRoot = stateRoot;
        this.clock = clock;
        this.ticker = ticker;
        this.closeTimeout = closeTimeout;
        this.createRefilledNanos = ticker.read();
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-server-channels");
            t.setDaemon(true);
            return t;
        });
        load();
    }

    /** Reloads saved channels and restarts their delivery; one that cannot start is FAILED with the reason. */
    private void load() {
        if (!Files.isDirectory(stateRoot)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> dirs = Files.list(stateRoot)) {
            files = dirs.map(d -> d.resolve(DEFINITION_FILE)).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list channels in " + stateRoot, e);
        }
        for (Path file : files) {
            ChannelDefinition definition = ChannelDefinition.load(file);
            Hosted hosted = new Hosted(definition, Status.ACTIVE);
            try {
                start(hosted);
            } catch (RuntimeException e) {
                LOG.warn("channel {} cannot restart: {}", definition.name(), e.toString());
                hosted.status = Status.FAILED;
                hosted.reason = reason(e);
            }
            channels.put(definition.name(), hosted);
        }
    }

    private Path directory(ChannelDefinition definition) {
        return stateRoot.resolve(definition.id());
    }

    /** Starts delivery; the first start fixes the start instant (records that arrived before are not delivered). */
    private void start(Hosted hosted) {
        ChannelDefinition definition;
        synchronized (hosted) {
            definition = hosted.definition;
        }
        if (definition.startAt().isEmpty()) {
            definition = definition.withStartAt(clock.instant());
            definition.save(directory(definition).resolve(DEFINITION_FILE));
        }
        List<DeliveryStream> started = deliveries.start(definition, directory(definition));
        synchronized (hosted) {
            hosted.definition = definition;
            hosted.streams = started;
        }
    }

    private static String reason(Throwable e) {
        Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
        String message = t.getMessage() == null ? t.toString() : t.getMessage();
        return message.length() <= 2048 ? message : message.substring(0, 2045) + "...";
    }

    // ----- operations

    /**
     * Takes a CreateChannel token.
     *
     * @throws ApiException {@code LimitExceededException} above {@link #CREATE_PER_SECOND} calls per second
     */
    synchronized void acquireCreateToken() {
        long now = ticker.read();
        double elapsedSeconds = (now - createRefilledNanos) / 1e9;
        if (elapsedSeconds > 0) {
            createTokens = Math.min(CREATE_PER_SECOND, createTokens + elapsedSeconds * CREATE_PER_SECOND);
            createRefilledNanos = now;
        }
        if (createTokens < 1) {
            throw new ApiException(400, "LimitExceededException", "Rate exceeded for CreateChannel: at most "
                    + CREATE_PER_SECOND + " calls per second per account");
        }
        createTokens -= 1;
    }

    /**
     * Adds a channel in CREATING and starts its delivery asynchronously.
     *
     * @throws ApiException {@code ResourceInUseException} if the name is taken, {@code LimitExceededException}
     *                      at the channel count limit
     */
    Snapshot create(ChannelDefinition definition) {
        Hosted hosted = new Hosted(definition, Status.CREATING);
        synchronized (this) {
            checkOpen();
            Hosted existing = channels.get(definition.name());
            if (existing != null && snapshot(existing).isPresent()) {
                throw ApiException.resourceInUse("Channel " + definition.name() + " under account "
                        + accountOf(definition.arn()) + " already exists.");
            }
            if (channelCount() >= CHANNEL_COUNT_LIMIT) {
                throw new ApiException(400, "LimitExceededException", "This account already has "
                        + CHANNEL_COUNT_LIMIT + " channels, the channel count limit; delete one first");
            }
            definition.save(directory(definition).resolve(DEFINITION_FILE));
            channels.put(definition.name(), hosted);
            transition(hosted, Status.CREATING, () -> start(hosted));
        }
        return snapshot(hosted).orElseThrow();
    }

    /**
     * Changes DataFreshnessInSeconds and/or logging; UPDATING until delivery has restarted.
     *
     * @throws ApiException {@code ResourceInUseException} unless the channel is ACTIVE
     */
    Snapshot update(String arn, Optional<Integer> freshnessSeconds,
                    Optional<com.fasterxml.jackson.databind.node.ObjectNode> logging) {
        Hosted hosted = hosted(arn);
        synchronized (this) {
            checkOpen();
            synchronized (hosted) {
                Status status = settle(hosted);
                if (status != Status.ACTIVE) {
                    throw ApiException.resourceInUse("Channel " + hosted.definition.name() + " is " + status
                            + "; it can be updated only when ACTIVE");
                }
                ChannelDefinition next = hosted.definition.withUpdate(freshnessSeconds, logging);
                boolean restart = freshnessSeconds.isPresent();
                transition(hosted, Status.UPDATING, () -> {
                    if (restart) {
                        List<DeliveryStream> previous;
                        synchronized (hosted) {
                            previous = hosted.streams;
                            hosted.streams = List.of();
                        }
                        // Closing delivers what is buffered under the old version, so no record is lost or doubled.
                        previous.forEach(stream -> stream.close(closeTimeout));
                    }
                    next.save(directory(next).resolve(DEFINITION_FILE));
                    synchronized (hosted) {
                        hosted.definition = next;
                    }
                    if (restart) {
                        start(hosted);
                    }
                });
            }
        }
        return snapshot(hosted).orElseThrow(() -> notFound(arn));
    }

    /** Removes a channel: DELETING until its delivery has stopped, then gone. Deleting twice is not an error. */
    void delete(String arn) {
        Hosted hosted = hosted(arn);
        synchronized (this) {
            checkOpen();
            synchronized (hosted) {
                if (settle(hosted) == Status.DELETING) {
                    return;
                }
                ChannelDefinition definition = hosted.definition;
                try {
                    Files.deleteIfExists(directory(definition).resolve(DEFINITION_FILE));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete channel " + definition.name(), e);
                }
                CompletableFuture<Void> previous = hosted.work == null ? CompletableFuture.completedFuture(null)
                        : hosted.work.exceptionally(e -> null);
                transition(hosted, Status.DELETING, () -> {
                    previous.join();
                    List<DeliveryStream> running;
                    synchronized (hosted) {
                        running = hosted.streams;
                        hosted.streams = List.of();
                    }
                    running.forEach(stream -> stream.close(closeTimeout));
                    for (int i = 0; i < definition.streams().size(); i++) {
                        try {
                            engine.deregisterReader(definition.streams().get(i).name(),
                                    "delivery-" + ChannelDeliveries.deliveryName(definition, i));
                        } catch (StreamException e) {
                            // The stream is gone: it keeps nothing for the channel any more.
                        }
                    }
                    DirectoryTrees.delete(directory(definition));
                });
            }
        }
    }

    private void transition(Hosted hosted, Status status, Runnable task) {
        synchronized (hosted) {
            hosted.transition = status;
            hosted.reason = null;
            hosted.readyAtNanos = ticker.read() + PROVISIONING.toNanos();
            hosted.work = CompletableFuture.runAsync(task, worker);
        }
    }

    /** The channel's settled status; settles a finished transition. Caller holds the channel's monitor. */
    private Status settle(Hosted hosted) {
        if (hosted.transition != null && hosted.work.isDone() && ticker.read() - hosted.readyAtNanos >= 0) {
            if (hosted.transition == Status.DELETING) {
                hosted.gone = true;
            } else if (hosted.work.isCompletedExceptionally()) {
                hosted.status = Status.FAILED;
                hosted.reason = reason(hosted.work.handle((v, e) -> e).join());
                LOG.warn("channel {} failed: {}", hosted.definition.name(), hosted.reason);
            } else {
                hosted.status = Status.ACTIVE;
            }
            hosted.transition = null;
        }
        return hosted.transition != null ? hosted.transition : hosted.status;
    }

    /** @return the channel as a client sees it now, empty once deleted */
    private Optional<Snapshot> snapshot(Hosted hosted) {
        Snapshot snapshot = null;
        synchronized (hosted) {
            Status status = settle(hosted);
            if (!hosted.gone) {
                snapshot = new Snapshot(hosted.definition, status, Optional.ofNullable(hosted.reason));
            }
        }
        if (snapshot == null) {
            // Lock order is registry, then channel: the entry is removed after the channel's monitor is released.
            synchronized (this) {
                channels.remove(hosted.definition.name(), hosted);
            }
        }
        return Optional.ofNullable(snapshot);
    }

    /**
     * @param arn a ChannelARN
     * @return the channel now
     * @throws ApiException {@code ResourceNotFoundException}
     */
    Snapshot describe(String arn) {
        return snapshot(hosted(arn)).orElseThrow(() -> notFound(arn));
    }

    /** @return every channel now, by name */
    List<Snapshot> list() {
        List<Hosted> all;
        synchronized (this) {
            all = new ArrayList<>(channels.values());
        }
        List<Snapshot> out = new ArrayList<>(all.size());
        for (Hosted hosted : all) {
            snapshot(hosted).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(s -> s.definition().name()));
        return out;
    }

    private Hosted hosted(String arn) {
        String name = arn.substring(arn.indexOf(":channel/") + ":channel/".length());
        Hosted hosted;
        synchronized (this) {
            hosted = channels.get(name);
        }
        if (hosted == null) {
            throw notFound(arn);
        }
        synchronized (hosted) {
            if (!hosted.definition.arn().equals(arn)) {
                throw notFound(arn);
            }
        }
        return hosted;
    }

    private static ApiException notFound(String arn) {
        return ApiException.resourceNotFound("Channel " + WireFormat.abbreviate(arn) + " not found.");
    }

    private static String accountOf(String arn) {
        String[] parts = arn.split(":", 6);
        return parts.length > 4 ? parts[4] : "";
    }

    private void checkOpen() {
        if (closed) {
            throw new ApiException(503, "ServiceUnavailableException", "the server is shutting down");
        }
    }

    // ----- ChannelResources

    private <T> T withLive(String channelArn, Function<Hosted, T> action) {
        Hosted hosted = hosted(channelArn);
        synchronized (hosted) {
            settle(hosted);
            if (hosted.gone) {
                throw notFound(channelArn);
            }
            return action.apply(hosted);
        }
    }

    private void save(Hosted hosted, ChannelDefinition next) {
        if (hosted.transition != Status.DELETING) {
            next.save(directory(next).resolve(DEFINITION_FILE));
        }
        hosted.definition = next;
    }

    @Override
    public SortedMap<String, String> tags(String channelArn) {
        return withLive(channelArn, h -> h.definition.tags());
    }

    @Override
    public void tag(String channelArn, Map<String, String> tags) {
        withLive(channelArn, h -> {
            SortedMap<String, String> merged = h.definition.tags();
            merged.putAll(tags);
            if (merged.size() > MAX_TAGS) {
                throw ApiException.invalidArgument("Channel " + h.definition.name() + " would have " + merged.size()
                        + " tags but at most " + MAX_TAGS + " are allowed");
            }
            save(h, h.definition.withTags(merged));
            return null;
        });
    }

    @Override
    public void untag(String channelArn, Collection<String> keys) {
        withLive(channelArn, h -> {
            SortedMap<String, String> remaining = h.definition.tags();
            keys.forEach(remaining::remove);
            save(h, h.definition.withTags(remaining));
            return null;
        });
    }

    @Override
    public Optional<String> policy(String channelArn) {
        return withLive(channelArn, h -> h.definition.policy());
    }

    @Override
    public void putPolicy(String channelArn, String policy) {
        withLive(channelArn, h -> {
            save(h, h.definition.withPolicy(Optional.of(policy)));
            return null;
        });
    }

    @Override
    public void deletePolicy(String channelArn) {
        withLive(channelArn, h -> {
            if (h.definition.policy().isEmpty()) {
                throw ApiException.resourceNotFound("Channel " + h.definition.name() + " has no resource policy");
            }
            save(h, h.definition.withPolicy(Optional.empty()));
            return null;
        });
    }

    @Override
    public int channelCount() {
        return list().size();
    }

    @Override
    public int channelCountLimit() {
        return CHANNEL_COUNT_LIMIT;
    }

    /** Stops the lifecycle thread and every channel's delivery (which delivers what it buffers) within the timeout. */
    void close() {
        List<Hosted> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(channels.values());
        }
        worker.shutdown();
        try {
            worker.awaitTermination(closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.shutdownNow();
        for (Hosted hosted : all) {
            List<DeliveryStream> running;
            synchronized (hosted) {
                running = hosted.streams;
                hosted.streams = List.of();
            }
            for (DeliveryStream stream : running) {
                try {
                    stream.close(closeTimeout);
                } catch (RuntimeException e) {
                    LOG.warn("closing delivery of channel {}: {}", hosted.definition.name(), e.toString());
                }
            }
        }
    }
}
