package dev.sluice.server.internal;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiHttpHandlerTest {

    @Test
    void requestId_always_isDistinctVersion4Uuid() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            String id = ApiHttpHandler.requestId();
            UUID uuid = UUID.fromString(id);
            assertEquals(4, uuid.version(), id);
            assertEquals(2, uuid.variant(), id); // IETF variant, as UUID.randomUUID()
            assertEquals(uuid.toString(), id);
            assertTrue(seen.add(id), "repeated " + id);
        }
    }
}
