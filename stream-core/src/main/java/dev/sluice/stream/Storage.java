package dev.sluice.stream;

/**
 * Where an engine keeps its shards. Chosen once, in {@link StreamEngine.Builder#storage(Storage)}.
 *
 * <p>Thread-safety: immutable.
 */
public final class Storage {

    private static final Storage IN_MEMORY = new Storage("in-memory");

    private final String description;

    private Storage(String description) {
        this.description = description;
    }

    /**
     * Heap storage (the default): fast, starts in microseconds, lost when the engine closes. Retention still
     * applies and releases memory.
     *
     * @return in-memory storage
     */
    public static Storage inMemory() {
        return IN_MEMORY;
    }

    /** Says which storage this is. */
    @Override
    public String toString() {
        return description;
    }
}
