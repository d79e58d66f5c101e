package dev.sluice.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory bucket whose next writes can be made to fail. */
final class FakeSink implements Sink {

    final ConcurrentHashMap<String, byte[]> objects = new ConcurrentHashMap<>();
    final List<SinkObject> writes = new CopyOnWriteArrayList<>();
    final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile ErrorCode failWith = ErrorCode.S3_INTERNAL_ERROR;
    private volatile String failKeysContaining;

    /** Fails the next {@code n} writes with a retryable error. */
    FakeSink failNext(int n) {
        failuresLeft.set(n);
        return this;
    }

    /** Fails every write (whose key contains {@code fragment}, when given) with {@code code}. */
    FakeSink failAlways(ErrorCode code, String fragment) {
        failWith = code;
        failKeysContaining = fragment;
        failuresLeft.set(Integer.MAX_VALUE);
        return this;
    }

    FakeSink recover() {
        failuresLeft.set(0);
        return this;
    }

    @Override
    public SinkResult write(SinkObject object) {
        attempts.incrementAndGet();
        boolean matches = failKeysContaining == null || object.key().contains(failKeysContaining);
        if (matches && failuresLeft.get() > 0) {
            failuresLeft.decrementAndGet();
            throw new DeliveryException(failWith, "injected failure writing " + object.key());
        }
        writes.add(object);
        if (object.createIfAbsent() && objects.containsKey(object.key())) {
            return SinkResult.ALREADY_EXISTS;
        }
        objects.put(object.key(), object.contentBytes());
        return SinkResult.CREATED;
    }

    List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        objects.keySet().stream().filter(k -> k.startsWith(prefix)).sorted().forEach(keys::add);
        return keys;
    }
}
