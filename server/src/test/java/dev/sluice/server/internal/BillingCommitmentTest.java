package dev.sluice.server.internal;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The billing commitment's 24-hour rule and its state file. */
class BillingCommitmentTest {

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();

    @Test
    void update_disableAfter24Hours_endsAtOnce_andSurvivesARestart() {
        Path file = directory.resolve("kinesis-account.properties");
        BillingCommitment first = new BillingCommitment(time, Optional.of(file));
        first.update(BillingCommitment.ENABLED);
        time.advance(Duration.ofHours(25));
        var ended = first.update(BillingCommitment.DISABLED);
        assertEquals(BillingCommitment.DISABLED, ended.get("Status"));
        assertEquals(time.instant(), ended.get("EndedAt"));
        assertTrue(Files.isRegularFile(file));

        BillingCommitment second = new BillingCommitment(time, Optional.of(file));
        assertEquals(ended, second.describe());
    }

    @Test
    void update_disableEarly_isPendingUntilTheEarliestEnd_acrossARestart() {
        Path file = directory.resolve("kinesis-account.properties");
        new BillingCommitment(time, Optional.of(file)).update(BillingCommitment.ENABLED);
        time.advance(Duration.ofHours(2));
        new BillingCommitment(time, Optional.of(file)).update(BillingCommitment.DISABLED);
        BillingCommitment restarted = new BillingCommitment(time, Optional.of(file));
        assertEquals(BillingCommitment.ENDING, restarted.describe().get("Status"));
        time.advance(Duration.ofHours(22));
        assertEquals(BillingCommitment.DISABLED, restarted.describe().get("Status"));
        assertEquals(BillingCommitment.DISABLED, new BillingCommitment(time, Optional.of(file)).describe().get("Status"));
    }

    @Test
    void constructor_malformedFile_failsNamingIt() throws Exception {
        Path file = directory.resolve("kinesis-account.properties");
        Files.writeString(file, "status=SOMETIMES\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new BillingCommitment(time, Optional.of(file)));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
