package dev.sluice.delivery.internal.sink;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

public class PrefixTemplateTest {

    private static final Instant T = Instant.parse("2026-07-08T09:10:11.123Z");

    private static String eval(PrefixTemplate template, Map<String, String> keys) {
        return template.evaluate(keys, T, "processing-failed", () -> "abcdefghijk");
    }

    @Test
    void prefix_empty_isFirehoseDefaultHourlyUtc() {
        assertEquals("2026/07/08/09/", eval(PrefixTemplate.prefix(""), Map.of()));
    }

    @Test
    void prefix_literalWithoutTimestamp_getsDefaultAppendedDirectly() {
        assertEquals("logs/2026/07/08/09/", eval(PrefixTemplate.prefix("logs/"), Map.of()));
        assertEquals("logs2026/07/08/09/", eval(PrefixTemplate.prefix("logs"), Map.of()));
    }

    @Test
    void prefix_allNamespaces_evaluateInOrder() {
        PrefixTemplate t = PrefixTemplate.prefix("a/!{timestamp:yyyy-MM-dd}/!{partitionKeyFromQuery:c}/"
                + "!{partitionKeyFromLambda:d}/!{firehose:random-string}/");
        assertEquals("a/2026-07-08/x/y/abcdefghijk/", eval(t, Map.of("c", "x", "d", "y")));
        assertEquals(List.of("c", "d"), t.partitionKeys());
    }

    @Test
    void prefix_withPartitionKeysOnly_getsNoTimestampAppended() {
        assertEquals("c=x/", eval(PrefixTemplate.prefix("c=!{partitionKeyFromQuery:c}/"), Map.of("c", "x")));
    }

    @Test
    void prefix_missingKey_failsWithPartitionKeyMissing() {
        DeliveryException e = assertThrows(DeliveryException.class,
                () -> eval(PrefixTemplate.prefix("!{partitionKeyFromQuery:c}/"), Map.of()));
        assertEquals(ErrorCode.PARTITION_KEY_MISSING, e.errorCode());
    }

    @Test
    void errorPrefix_defaultAndLiteral_appendTypeThenHour() {
        assertEquals("processing-failed/2026/07/08/09/", eval(PrefixTemplate.errorPrefix("e", ""), Map.of()));
        assertEquals("err/processing-failed/2026/07/08/09/", eval(PrefixTemplate.errorPrefix("e", "err/"), Map.of()));
        assertEquals("err/processing-failed/2026/",
                eval(PrefixTemplate.errorPrefix("e", "err/!{firehose:error-output-type}/!{timestamp:yyyy}/"), Map.of()));
    }

    @Test
    void parse_badExpressions_failWithInvalidArgument() {
        for (String bad : List.of("!{nope:x}", "!{timestamp:}", "!{timestamp:yyyy", "!{firehose:what}",
                "!{partitionKeyFromQuery:}", "!{timestamp:bbbb}", "!{firehose:error-output-type}")) {
            DeliveryException e = assertThrows(DeliveryException.class, () -> PrefixTemplate.prefix(bad), bad);
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode(), bad);
        }
        assertThrows(DeliveryException.class, () -> PrefixTemplate.errorPrefix("e", "!{partitionKeyFromQuery:a}"));
    }

    @Test
    void evaluate_over512Characters_failsWithInvalidPrefix() {
        DeliveryException e = assertThrows(DeliveryException.class,
                () -> eval(PrefixTemplate.prefix("!{partitionKeyFromQuery:k}/"), Map.of("k", "x".repeat(512))));
        assertEquals(ErrorCode.INVALID_PREFIX, e.errorCode());
    }
}
