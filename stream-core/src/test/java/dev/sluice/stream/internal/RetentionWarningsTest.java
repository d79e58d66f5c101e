package dev.sluice.stream.internal;

import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.OverflowPolicy;
import dev.sluice.stream.Storage;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.WaitStrategy;
import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The early warnings: one WARN line per crossing of 80 %, again only after falling below 70 %. The engine's own sweep
 * also checks, on real time, so under load it may see a crossing first, while the puts are still going on: the tests
 * accept the warning from either check, with whatever count it saw at or above 80 %.
 */
@Timeout(30)
class RetentionWarningsTest {

    private static final long MIB = 1 << 20;

    private final ManualClock time = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final EngineCore core = new EngineCore(new EngineCore.Config(time, time, ThrottleMode.OFF, registry,
            Executors.defaultThreadFactory(), WaitStrategy.BLOCKING, 1, 1024, Duration.ofSeconds(5), 100,
            Storage.inMemory().withMaxRetainedBytes(64 * MIB), "us-east-1"));

    @AfterEach
    void close() {
        core.close(Duration.ofSeconds(5));
    }

    private void put(String stream, int kib) {
        for (int i = 0; i < kib; i++) {
            core.putRecord(stream, "k", new byte[1023], null, null);
        }
    }

    @Test
    void check_whenAStreamCrosses80PercentOfItsLimit_warnsOnce_andAgainAfterFallingBelow70() {
        core.retention().warnings(warnings::add);
        core.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(2 * MIB));
        put("s", 1500); // 73 %
        core.retention().check();
        assertEquals(List.of(), warnings);
        put("s", 200); // 83 %
        core.retention().check();
        core.retention().check();
        assertEquals(1, warnings.size(), warnings.toString());
        assertCrossing(warnings.get(0), "stream s retains ", 2 * MIB, 1740800,
                " of its retentionBytes 2097152 (overflow policy REJECT): at the limit puts are refused until its"
                        + " readers checkpoint; no reader is registered");
        core.updateRetentionBytes("s", OptionalLong.of(4 * MIB), OverflowPolicy.TRIM_OLDEST); // 41 %: re-armed
        core.retention().check();
        core.updateRetentionBytes("s", OptionalLong.of(2 * MIB), OverflowPolicy.TRIM_OLDEST);
        core.retention().check();
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(1).contains("its oldest records are dropped, read or not"), warnings.get(1));
        assertEquals(0.83, registry.get("Retention.UsedRatio").tag("stream", "s").gauge().value(), 0.01);
    }

    @Test
    void check_whenInMemoryStreamsCross80PercentOfTheMemoryLimit_warnsNamingIt() {
        core.retention().warnings(warnings::add);
        core.createStream(CreateStreamRequest.of("a", 1));
        core.createStream(CreateStreamRequest.of("b", 1));
        put("a", 30 * 1024);
        put("b", 22 * 1024); // 52 MiB of 64
        core.retention().check();
        assertEquals(1, warnings.size(), warnings.toString());
        assertCrossing(warnings.get(0), "in-memory streams retain ", 64 * MIB, 54525952,
                " of the engine's maxRetainedBytes 67108864");
        assertEquals(54525952.0 / (64 * MIB), registry.get("Engine.RetainedRatio").gauge().value(), 1e-9);
        assertTrue(registry.get("Engine.DirectMemoryUsedBytes").gauge().value() >= 52 * MIB);
        assertEquals(DirectMemory.limit(), registry.get("Engine.DirectMemoryLimitBytes").gauge().value());
    }

    /** A warning saying "{@code start}N bytes, P %{@code rest}..." with N between 80 % of the limit and {@code max}. */
    private static void assertCrossing(String warning, String start, long limit, long max, String rest) {
        Matcher m = Pattern.compile(Pattern.quote(start) + "(\\d+) bytes, (\\d+) %" + Pattern.quote(rest)).matcher(warning);
        assertTrue(m.lookingAt(), warning);
        long bytes = Long.parseLong(m.group(1));
        assertTrue(bytes * 100 >= limit * 80 && bytes <= max, warning);
        assertEquals(Math.round(100.0 * bytes / limit), Long.parseLong(m.group(2)), warning);
    }
}
