package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The AWS Glue Data Catalog actions ({@code X-Amz-Target: AWSGlue.<Action>}, AWS JSON 1.1) a Firehose user runs:
 * Create/Get/Update/DeleteDatabase, GetDatabases, Create/Get/Update/DeleteTable, GetTables, over a
 * {@link GlueCatalog}.
 *
 * <p>Errors carry Glue's names: {@code EntityNotFoundException}, {@code AlreadyExistsException},
 * {@code InvalidInputException} (missing or malformed members, a foreign {@code CatalogId}, a bad page token or
 * expression), {@code ResourceNumberLimitExceededException} and {@code ConcurrentModificationException} (UpdateTable
 * with a stale {@code VersionId}). Paging: {@code MaxResults} 1 to 100 (default 100) and an opaque
 * {@code NextToken} carrying the last name returned. Not supported: transactions, Lake Formation, federated and
 * resource-link databases (their fields are stored and returned, not acted on).
 */
final class GlueOperations {

    /** Glue: GetDatabases / GetTables MaxResults is 1 to 100. */
    static final int MAX_RESULTS = 100;

    private final GlueCatalog catalog;

    GlueOperations(GlueCatalog catalog) {
        this.catalog = catalog;
    }

    void register(Map<String, Operation> operations) {
        operations.put("CreateDatabase", this::createDatabase);
        operations.put("GetDatabase", this::getDatabase);
        operations.put("GetDatabases", this::getDatabases);
        operations.put("UpdateDatabase", this::updateDatabase);
        operations.put("DeleteDatabase", this::deleteDatabase);
        operations.put("CreateTable", this::createTable);
        operations.put("GetTable", this::getTable);
        operations.put("GetTables", this::getTables);
        operations.put("UpdateTable", this::updateTable);
        operations.put("DeleteTable", this::deleteTable);
    }

    private static CompletableFuture<Object> done(Object value) {
        return CompletableFuture.completedFuture(value);
    }

    private void checkCatalog(ApiRequest r) {
        String catalogId = string(r, "CatalogId");
        if (catalogId != null && !catalogId.equals(catalog.accountId())) {
            throw GlueCatalog.notFound("Catalog " + WireFormat.abbreviate(catalogId) + " not found: this server's"
                    + " catalog is account " + catalog.accountId());
        }
    }

    /** A string member; a wrong type is Glue's InvalidInputException rather than a SerializationException. */
    private static String string(ApiRequest r, String field) {
        JsonNode node = r.node(field);
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            throw GlueCatalog.invalidInput(field + " must be a string but was " + node.getNodeType());
        }
        return node.textValue();
    }

    private static ObjectNode structure(ApiRequest r, String field) {
        JsonNode node = r.node(field);
        if (node == null) {
            throw GlueCatalog.invalidInput(field + " is required");
        }
        if (!node.isObject()) {
            throw GlueCatalog.invalidInput(field + " must be a structure but was " + node.getNodeType());
        }
        return (ObjectNode) node;
    }

    private static int maxResults(ApiRequest r) {
        JsonNode node = r.node("MaxResults");
        if (node == null) {
            return MAX_RESULTS;
        }
        if (!node.canConvertToInt() || node.intValue() < 1 || node.intValue() > MAX_RESULTS) {
            throw GlueCatalog.invalidInput("MaxResults must be between 1 and " + MAX_RESULTS + " but was " + node);
        }
        return node.intValue();
    }

    private static String token(String kind, String scope, String last) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((kind + "\n" + scope + "\n" + last)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String after(ApiRequest r, String kind, String scope) {
        String token = string(r, "NextToken");
        if (token == null) {
            return null;
        }
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", -1);
        } catch (IllegalArgumentException e) {
            parts = new String[0];
        }
        if (parts.length != 3 || !parts[0].equals(kind) || !parts[1].equals(scope)) {
            throw GlueCatalog.invalidInput("NextToken '" + WireFormat.abbreviate(token) + "' is not a " + kind
                    + " token of this request");
        }
        return parts[2];
    }

    // ---- databases

    private CompletableFuture<Object> createDatabase(ApiRequest r) {
        checkCatalog(r);
        catalog.createDatabase(structure(r, "DatabaseInput"));
        return done(Map.of());
    }

    private CompletableFuture<Object> getDatabase(ApiRequest r) {
        checkCatalog(r);
        return done(Map.of("Database", catalog.getDatabase(string(r, "Name"))));
    }

    private CompletableFuture<Object> getDatabases(ApiRequest r) {
        checkCatalog(r);
        int limit = maxResults(r);
        List<ObjectNode> page = catalog.getDatabases(after(r, "GetDatabases", ""), limit);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("DatabaseList", page);
        if (page.size() == limit) {
            String last = page.get(page.size() - 1).path("Name").asText();
            if (catalog.hasDatabaseAfter(last)) {
                response.put("NextToken", token("GetDatabases", "", last));
            }
        }
        return done(response);
    }

    private CompletableFuture<Object> updateDatabase(ApiRequest r) {
        checkCatalog(r);
        catalog.updateDatabase(string(r, "Name"), structure(r, "DatabaseInput"));
        return done(Map.of());
    }

    private CompletableFuture<Object> deleteDatabase(ApiRequest r) {
        checkCatalog(r);
        catalog.deleteDatabase(string(r, "Name"));
        return done(Map.of());
    }

    // ---- tables

    private CompletableFuture<Object> createTable(ApiRequest r) {
        checkCatalog(r);
        catalog.createTable(string(r, "DatabaseName"), checkedTableInput(r));
        return done(Map.of());
    }

    private static ObjectNode checkedTableInput(ApiRequest r) {
        ObjectNode input = structure(r, "TableInput");
        JsonNode columns = input.path("StorageDescriptor").path("Columns");
        if (!columns.isMissingNode() && !columns.isArray()) {
            throw GlueCatalog.invalidInput("TableInput.StorageDescriptor.Columns must be a list");
        }
        for (JsonNode column : columns) {
            GlueCatalog.name("TableInput.StorageDescriptor.Columns.Name", column.path("Name").isTextual()
                    ? column.path("Name").textValue() : null);
        }
        return input;
    }

    private CompletableFuture<Object> getTable(ApiRequest r) {
        checkCatalog(r);
        return done(Map.of("Table", catalog.getTable(string(r, "DatabaseName"), string(r, "Name"), null)));
    }

    private CompletableFuture<Object> getTables(ApiRequest r) {
        checkCatalog(r);
        String database = GlueCatalog.name("DatabaseName", string(r, "DatabaseName"));
        int limit = maxResults(r);
        Pattern expression = null;
        String text = string(r, "Expression");
        if (text != null) {
            try {
                expression = Pattern.compile(text, Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException e) {
                throw GlueCatalog.invalidInput("Expression '" + WireFormat.abbreviate(text) + "' is not a valid"
                        + " regular expression: " + e.getDescription());
            }
        }
        boolean[] more = new boolean[1];
        List<ObjectNode> page = catalog.getTables(database, expression, after(r, "GetTables", database), limit, more);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("TableList", page);
        if (more[0]) {
            response.put("NextToken", token("GetTables", database, page.get(page.size() - 1).path("Name").asText()));
        }
        return done(response);
    }

    private CompletableFuture<Object> updateTable(ApiRequest r) {
        checkCatalog(r);
        JsonNode skip = r.node("SkipArchive");
        catalog.updateTable(string(r, "DatabaseName"), checkedTableInput(r), string(r, "VersionId"),
                skip != null && skip.asBoolean(false));
        return done(Map.of());
    }

    private CompletableFuture<Object> deleteTable(ApiRequest r) {
        checkCatalog(r);
        catalog.deleteTable(string(r, "DatabaseName"), string(r, "Name"));
        return done(Map.of());
    }
}
