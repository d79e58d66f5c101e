package dev.sluice.server.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The account's Kinesis minimum throughput billing commitment (DescribeAccountSettings, UpdateAccountSettings), kept
 * by the server: recorded and reported, with no effect on billing or limits (there is none).
 *
 * <p>Rules, as the Kinesis API reference describes them: enabling starts a commitment ({@code StartedAt} = now) that
 * must last at least {@link #MINIMUM_DURATION} ({@code EarliestAllowedEndAt}); disabling after that ends it
 * ({@code EndedAt} = now, status DISABLED); disabling before schedules the end at {@code EarliestAllowedEndAt}
 * (status ENABLED_UNTIL_EARLIEST_ALLOWED_END, which turns DISABLED when the clock passes it); enabling while the end is
 * pending cancels it. Enabling an enabled commitment and disabling a disabled one change nothing.
 *
 * <p>Thread-safety: synchronized. With a state file (a server with a data directory) every change is written to it
 * (temporary file, then atomic rename) before it is reported, and it is read at start-up.
 */
final class BillingCommitment {

    /** Kinesis: a commitment lasts at least 24 hours before it can be disabled. */
    static final Duration MINIMUM_DURATION = Duration.ofHours(24);

    static final String ENABLED = "ENABLED";
    static final String DISABLED = "DISABLED";
    static final String ENDING = "ENABLED_UNTIL_EARLIEST_ALLOWED_END";

    private final Clock clock;
    private final Optional<Path> stateFile;
    private String status = DISABLED;
    private Instant startedAt;
    private Instant endedAt;
    private Instant earliestAllowedEndAt;

    BillingCommitment(Clock clock, Optional<Path> stateFile) {
        this.clock = clock;
        this.stateFile = stateFile;
        stateFile.filter(Files::exists).ifPresent(this::load);
    }

    /** The commitment now, in the Kinesis output shape. */
    synchronized Map<String, Object> describe() {
        settle();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Status", status);
        if (startedAt != null) {
            out.put("StartedAt", startedAt);
        }
        if (endedAt != null) {
            out.put("EndedAt", endedAt);
        }
        if (earliestAllowedEndAt != null) {
            out.put("EarliestAllowedEndAt", earliestAllowedEndAt);
        }
        return out;
    }

    /**
     * Applies a requested status.
     *
     * @param requested ENABLED or DISABLED
     * @return the commitment after the change
     */
    synchronized Map<String, Object> update(String requested) {
        settle();
        Instant now = clock.instant();
        if (requested.equals(ENABLED)) {
            if (status.equals(DISABLED)) {
                status = ENABLED;
                startedAt = now;
                endedAt = null;
                earliestAllowedEndAt = now.plus(MINIMUM_DURATION);
            } else if (status.equals(ENDING)) {
                status = ENABLED; // cancels the pending end
            }
        } else if (status.equals(ENABLED)) {
            if (now.isBefore(earliestAllowedEndAt)) {
                status = ENDING;
            } else {
                status = DISABLED;
                endedAt = now;
            }
        }
        save();
        return describe();
    }

    /** A scheduled end that the clock has passed has happened. */
    private void settle() {
        if (status.equals(ENDING) && !clock.instant().isBefore(earliestAllowedEndAt)) {
            status = DISABLED;
            endedAt = earliestAllowedEndAt;
            save();
        }
    }

    private void save() {
        if (stateFile.isEmpty()) {
            return;
        }
        Path file = stateFile.get();
        StringBuilder text = new StringBuilder("# Sluice Kinesis account settings: written by the server, do not edit.\n");
        text.append("status=").append(status).append('\n');
        if (startedAt != null) {
            text.append("startedAt=").append(startedAt).append('\n');
        }
        if (endedAt != null) {
            text.append("endedAt=").append(endedAt).append('\n');
        }
        if (earliestAllowedEndAt != null) {
            text.append("earliestAllowedEndAt=").append(earliestAllowedEndAt).append('\n');
        }
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the account settings to " + file, e);
        }
    }

    private void load(Path file) {
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the account settings in " + file, e);
        }
        try {
            String read = p.getProperty("status", DISABLED).trim();
            if (!read.equals(ENABLED) && !read.equals(DISABLED) && !read.equals(ENDING)) {
                throw new IllegalArgumentException("status " + read + " is not a commitment status");
            }
            status = read;
            startedAt = instant(p, "startedAt");
            endedAt = instant(p, "endedAt");
            earliestAllowedEndAt = instant(p, "earliestAllowedEndAt");
            if (!status.equals(DISABLED) && (startedAt == null || earliestAllowedEndAt == null)) {
                throw new IllegalArgumentException("an active commitment needs startedAt and earliestAllowedEndAt");
            }
        } catch (RuntimeException e) {
            throw new IllegalStateException("the account settings file " + file + " is malformed (" + e.getMessage()
                    + "); delete it to start with the commitment disabled", e);
        }
    }

    private static Instant instant(Properties p, String key) {
        String value = p.getProperty(key);
        return value == null ? null : Instant.parse(value.trim());
    }
}
