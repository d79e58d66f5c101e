package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Glue quotas, with small limits (the real ones are 10,000 databases and 200,000 tables per database). */
class GlueCatalogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode named(String name) {
        return JSON.createObjectNode().put("Name", name);
    }

    @Test
    void createDatabaseAndTable_overTheQuota_isResourceNumberLimitExceededException() {
        GlueCatalog catalog = new GlueCatalog(Optional.empty(), new ManualClock(Instant.EPOCH), "000000000000", 2, 1);
        catalog.createDatabase(named("a"));
        catalog.createDatabase(named("b"));
        ApiException databases = assertThrows(ApiException.class, () -> catalog.createDatabase(named("c")));
        assertEquals("ResourceNumberLimitExceededException", databases.type());
        assertEquals(400, databases.status());
        assertTrue(databases.getMessage().contains("2"), databases.getMessage());
        catalog.createTable("a", named("t1"));
        ApiException tables = assertThrows(ApiException.class, () -> catalog.createTable("a", named("t2")));
        assertEquals("ResourceNumberLimitExceededException", tables.type());
        catalog.deleteDatabase("b");
        catalog.createDatabase(named("c"));
    }
}
