package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import dev.sluice.transform.TransformException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.sluice.transform.TestRecords.only;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetadataQueryTest {

    private static Map<String, String> ordered(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    @Test
    void parse_identifierAndQuotedKeys_giveTheKeyWithoutQuotes() {
        assertEquals(ordered("customer_id", ".customer_id", "event day", ".ts[0:10]", "tab\tkey", ".t"),
                MetadataQuery.parse("{\"customer_id\": .customer_id, \"event day\": .ts[0:10], \"tab\\tkey\": .t}"));
    }

    @Test
    void parse_commentsAroundKeys_areNotPartOfThem() {
        assertEquals(ordered("a", ".x", "b", ".y"), MetadataQuery.parse("{ # partition keys\n a # first\n : .x,\n b: .y}"));
    }

    @Test
    void parse_shorthandFields_meanTheFieldOfTheSameName() {
        assertEquals(ordered("a", ".[\"a\"]", "b c", ".[\"b c\"]"), MetadataQuery.parse("{a, \"b c\"}"));
    }

    @Test
    void parse_commasAndColonsInsideValues_doNotSplitThem() {
        String query = "{day: .ts | split(\"T\") | .[0], s: \"a,b:c \\(.x, \"}\")\", w: if .n > 1 then \"x\", \"y\""
                + " else {k: 1} end, r: reduce .xs[] as $v (0; . + $v), o: .a[1:2] # a comment, with: colons\n}";
        assertEquals(ordered("day", ".ts | split(\"T\") | .[0]", "s", "\"a,b:c \\(.x, \"}\")\"",
                "w", "if .n > 1 then \"x\", \"y\" else {k: 1} end", "r", "reduce .xs[] as $v (0; . + $v)",
                "o", ".a[1:2] # a comment, with: colons"), MetadataQuery.parse(query));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{customer_id: .customer_id | }", "{customer_id: nosuchfn(.a)}", "{customer_id: .a..b}",
            "{customer_id: }", "{customer_id: .[}", "{customer id: .x}", "{customer_id: .a, customer_id: .b}"})
    void parse_invalidQueries_areRefusedNamingTheKeyAndTheJqError(String query) {
        TransformException refused = assertThrows(TransformException.class, () -> MetadataQuery.parse(query));

        assertEquals(ErrorCode.INVALID_ARGUMENT, refused.errorCode());
        assertTrue(refused.getMessage().contains("'customer"), refused.getMessage());
        assertTrue(refused.getMessage().startsWith("MetadataExtractionQuery"), refused.getMessage());
        assertTrue(refused.getMessage().lines().count() == 1, refused.getMessage());
    }

    @Test
    void parse_invalidValue_messageNamesTheKeyAndWhatJqFound() {
        TransformException refused = assertThrows(TransformException.class,
                () -> MetadataQuery.parse("{ok: .a, customer_id: .customer_id | }"));

        assertTrue(refused.getMessage().contains("key 'customer_id'"), refused.getMessage());
        assertTrue(refused.getMessage().contains("not a valid JQ expression"), refused.getMessage());
        assertTrue(refused.getMessage().contains("Encountered"), refused.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {".customer_id", "{}", "{a: .a} | .", "[{a: .a}]", "{(.k): .v}", "{\"x\\(.k)\": .v}",
            "{$__loc__}", "{a: .a", "{a: \"unterminated}", "", "   "})
    void parse_queriesThatAreNotOneObjectWithKnownKeys_areRefused(String query) {
        TransformException refused = assertThrows(TransformException.class, () -> MetadataQuery.parse(query));

        assertEquals(ErrorCode.INVALID_ARGUMENT, refused.errorCode());
    }

    @Test
    void metadataExtraction_fromQuotedKeyQuery_setsTheUnquotedPartitionKey() {
        Processor processor = Processor.metadataExtraction("{\"customer_id\": .customer_id, vip}");

        ProcessingResult result = only(processor, record("r1", "{\"customer_id\":\"c-7\",\"vip\":true}"));

        assertEquals(Map.of("customer_id", "c-7", "vip", "true"),
                assertInstanceOf(ProcessingResult.Ok.class, result, result::toString).partitionKeys());
        assertEquals(List.of("customer_id", "vip"), List.copyOf(MetadataQuery.parse("{\"customer_id\": .c, vip}")
                .keySet()));
    }
}
