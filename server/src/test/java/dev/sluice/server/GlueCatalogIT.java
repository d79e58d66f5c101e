package dev.sluice.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.AlreadyExistsException;
import software.amazon.awssdk.services.glue.model.Column;
import software.amazon.awssdk.services.glue.model.ConcurrentModificationException;
import software.amazon.awssdk.services.glue.model.Database;
import software.amazon.awssdk.services.glue.model.EntityNotFoundException;
import software.amazon.awssdk.services.glue.model.GetDatabasesResponse;
import software.amazon.awssdk.services.glue.model.GetTablesResponse;
import software.amazon.awssdk.services.glue.model.InvalidInputException;
import software.amazon.awssdk.services.glue.model.Table;
import software.amazon.awssdk.services.glue.model.TableInput;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Glue Data Catalog operations through the real SDK v2 {@link GlueClient}, one test per Glue error. */
class GlueCatalogIT {

    @TempDir
    Path data;

    private SluiceServer server;
    private GlueClient glue;

    /** A Glue client with no retries against a server, as {@link Clients} builds the others. */
    @SuppressWarnings("deprecation")
    static GlueClient glue(URI endpoint) {
        return GlueClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(Clients.CREDENTIALS).httpClientBuilder(ApacheHttpClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder().retryPolicy(RetryPolicy.none()).build())
                .build();
    }

    private void start() {
        server = SluiceServer.builder().port(0).dataDirectory(data).build().start();
        glue = glue(server.endpoint());
    }

    @AfterEach
    void stop() {
        if (glue != null) {
            glue.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static TableInput table(String name, String... columns) {
        List<Column> cols = new ArrayList<>();
        for (int i = 0; i < columns.length; i += 2) {
            cols.add(Column.builder().name(columns[i]).type(columns[i + 1]).build());
        }
        return TableInput.builder().name(name).tableType("EXTERNAL_TABLE")
                .parameters(Map.of("classification", "parquet"))
                .storageDescriptor(s -> s.columns(cols).location("s3://bucket/prefix/")).build();
    }

    @Test
    void databasesAndTables_roundTripThroughTheSdkAndSurviveARestart() {
        start();
        glue.createDatabase(b -> b.databaseInput(d -> d.name("Analytics").description("events")
                .locationUri("s3://bucket/").parameters(Map.of("owner", "data"))));
        Database db = glue.getDatabase(b -> b.name("analytics")).database();
        assertEquals("analytics", db.name());
        assertEquals("events", db.description());
        assertEquals(Map.of("owner", "data"), db.parameters());
        assertEquals("000000000000", db.catalogId());
        assertNotNull(db.createTime());

        glue.createTable(b -> b.databaseName("analytics").tableInput(table("Clicks", "id", "bigint", "page",
                "string")));
        Table t = glue.getTable(b -> b.databaseName("ANALYTICS").name("clicks")).table();
        assertEquals("clicks", t.name());
        assertEquals("analytics", t.databaseName());
        assertEquals("0", t.versionId());
        assertEquals(List.of("id", "page"), t.storageDescriptor().columns().stream().map(Column::name).toList());
        assertEquals("bigint", t.storageDescriptor().columns().get(0).type());
        assertEquals("EXTERNAL_TABLE", t.tableType());
        assertNotNull(t.createTime());

        glue.updateTable(b -> b.databaseName("analytics").tableInput(table("clicks", "id", "bigint", "page", "string",
                "ms", "int")));
        Table updated = glue.getTable(b -> b.databaseName("analytics").name("clicks")).table();
        assertEquals("1", updated.versionId());
        assertEquals(3, updated.storageDescriptor().columns().size());

        glue.updateDatabase(b -> b.name("analytics").databaseInput(d -> d.name("analytics").description("all events")));
        assertEquals("all events", glue.getDatabase(b -> b.name("analytics")).database().description());

        // Restart on the same data directory: the catalog is read back.
        glue.close();
        server.close();
        start();
        assertEquals("all events", glue.getDatabase(b -> b.name("analytics")).database().description());
        Table reloaded = glue.getTable(b -> b.databaseName("analytics").name("clicks")).table();
        assertEquals("1", reloaded.versionId());
        assertEquals(List.of("id", "page", "ms"), reloaded.storageDescriptor().columns().stream().map(Column::name)
                .toList());
        assertTrue(Files.isRegularFile(data.resolve("glue-catalog").resolve("catalog.json")));

        glue.deleteTable(b -> b.databaseName("analytics").name("clicks"));
        assertThrows(EntityNotFoundException.class, () -> glue.getTable(b -> b.databaseName("analytics")
                .name("clicks")));
        glue.deleteDatabase(b -> b.name("analytics"));
        assertThrows(EntityNotFoundException.class, () -> glue.getDatabase(b -> b.name("analytics")));
    }

    @Test
    void getDatabasesAndGetTables_pageWithMaxResultsAndNextToken() {
        start();
        for (int i = 0; i < 5; i++) {
            int n = i;
            glue.createDatabase(b -> b.databaseInput(d -> d.name("db" + n)));
        }
        List<String> names = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            String next = token;
            GetDatabasesResponse page = glue.getDatabases(b -> b.maxResults(2).nextToken(next));
            page.databaseList().forEach(d -> names.add(d.name()));
            token = page.nextToken();
            pages++;
        } while (token != null);
        assertEquals(List.of("db0", "db1", "db2", "db3", "db4"), names);
        assertEquals(3, pages);

        for (String t : List.of("orders", "orders_archive", "users", "visits")) {
            glue.createTable(b -> b.databaseName("db0").tableInput(table(t, "id", "int")));
        }
        GetTablesResponse first = glue.getTables(b -> b.databaseName("db0").maxResults(3));
        assertEquals(List.of("orders", "orders_archive", "users"), first.tableList().stream().map(Table::name).toList());
        assertNotNull(first.nextToken());
        GetTablesResponse second = glue.getTables(b -> b.databaseName("db0").maxResults(3)
                .nextToken(first.nextToken()));
        assertEquals(List.of("visits"), second.tableList().stream().map(Table::name).toList());
        assertNull(second.nextToken());
        assertEquals(List.of("orders", "orders_archive"), glue.getTables(b -> b.databaseName("db0")
                .expression("orders.*")).tableList().stream().map(Table::name).toList());
    }

    @Test
    void missingDatabaseOrTable_isEntityNotFoundException() {
        start();
        EntityNotFoundException db = assertThrows(EntityNotFoundException.class,
                () -> glue.getDatabase(b -> b.name("nope")));
        assertEquals(400, db.statusCode());
        assertTrue(db.awsErrorDetails().errorMessage().contains("nope"), db.awsErrorDetails().errorMessage());
        assertThrows(EntityNotFoundException.class, () -> glue.createTable(b -> b.databaseName("nope")
                .tableInput(table("t", "a", "int"))));
        glue.createDatabase(b -> b.databaseInput(d -> d.name("d")));
        assertThrows(EntityNotFoundException.class, () -> glue.getTable(b -> b.databaseName("d").name("t")));
        assertThrows(EntityNotFoundException.class, () -> glue.updateTable(b -> b.databaseName("d")
                .tableInput(table("t", "a", "int"))));
        assertThrows(EntityNotFoundException.class, () -> glue.deleteTable(b -> b.databaseName("d").name("t")));
        assertThrows(EntityNotFoundException.class, () -> glue.deleteDatabase(b -> b.name("other")));
        assertThrows(EntityNotFoundException.class, () -> glue.getDatabase(b -> b.name("d").catalogId("123456789012")));
    }

    @Test
    void existingDatabaseOrTable_isAlreadyExistsExceptionIgnoringCase() {
        start();
        glue.createDatabase(b -> b.databaseInput(d -> d.name("sales")));
        assertThrows(AlreadyExistsException.class, () -> glue.createDatabase(b -> b.databaseInput(d -> d
                .name("SALES"))));
        glue.createTable(b -> b.databaseName("sales").tableInput(table("orders", "id", "int")));
        AlreadyExistsException table = assertThrows(AlreadyExistsException.class, () -> glue.createTable(b -> b
                .databaseName("sales").tableInput(table("Orders", "id", "int"))));
        assertEquals(400, table.statusCode());
    }

    @Test
    void malformedInput_isInvalidInputExceptionNamingTheMember() {
        start();
        InvalidInputException noInput = assertThrows(InvalidInputException.class,
                () -> glue.createDatabase(b -> b.databaseInput(d -> d.description("no name"))));
        assertTrue(noInput.awsErrorDetails().errorMessage().contains("DatabaseInput.Name"),
                noInput.awsErrorDetails().errorMessage());
        assertThrows(InvalidInputException.class, () -> glue.createDatabase(b -> b.databaseInput(d -> d
                .name("x".repeat(256)))));
        glue.createDatabase(b -> b.databaseInput(d -> d.name("d")));
        assertThrows(InvalidInputException.class, () -> glue.getDatabases(b -> b.maxResults(101)));
        assertThrows(InvalidInputException.class, () -> glue.getTables(b -> b.databaseName("d").nextToken("garbage")));
        assertThrows(InvalidInputException.class, () -> glue.getTables(b -> b.databaseName("d").expression("(")));
        assertThrows(InvalidInputException.class, () -> glue.updateDatabase(b -> b.name("d")
                .databaseInput(i -> i.name("renamed"))));
        assertThrows(InvalidInputException.class, () -> glue.createTable(b -> b.databaseName("d")
                .tableInput(t -> t.name("t").storageDescriptor(s -> s.columns(Column.builder().type("int").build())))));
    }

    @Test
    void updateTable_withAStaleVersionId_isConcurrentModificationException() {
        start();
        glue.createDatabase(b -> b.databaseInput(d -> d.name("d")));
        glue.createTable(b -> b.databaseName("d").tableInput(table("t", "a", "int")));
        glue.updateTable(b -> b.databaseName("d").versionId("0").tableInput(table("t", "a", "int", "b", "int")));
        ConcurrentModificationException stale = assertThrows(ConcurrentModificationException.class,
                () -> glue.updateTable(b -> b.databaseName("d").versionId("0").tableInput(table("t", "c", "int"))));
        assertTrue(stale.awsErrorDetails().errorMessage().contains("0"), stale.awsErrorDetails().errorMessage());
        assertEquals("1", glue.getTable(b -> b.databaseName("d").name("t")).table().versionId());
    }
}
