package dev.sluice.server.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChannelKeyTemplateTest {

    @Test
    void parse_defaultTemplate_resolvesNameAndIdAndMapsTimeVariables() {
        ChannelKeyTemplate key = ChannelKeyTemplate.parse(ChannelKeyTemplate.DEFAULT, "orders", "abc");
        assertEquals("kinesis-channel/orders/abc/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/"
                + "orders-abc-!{timestamp:yyyy}-!{timestamp:MM}-!{timestamp:dd}-!{timestamp:HH}-!{timestamp:mm}-",
                key.prefix());
        assertTrue(key.withExtension());
    }

    @Test
    void parse_twoDigitYearAndNoExtension_usesCalendarYearPattern() {
        ChannelKeyTemplate key = ChannelKeyTemplate.parse("data/!{YY}/batch", "c", "i");
        assertEquals("data/!{timestamp:yy}/batch-", key.prefix());
        assertFalse(key.withExtension());
    }

    @Test
    void parse_withoutTimeVariable_addsATimestampThatPrintsNothing() {
        assertEquals("data/c/x-!{timestamp:[]}", ChannelKeyTemplate.parse("data/!{channel-name}/x", "c", "i").prefix());
    }

    @Test
    void parse_invalidTemplates_throwInvalidArgument() {
        for (String template : new String[] {"!{badvar}/x", "a/!{yyyy", "a/{yyyy}", "/a", "a/", "a/../b", "a//b",
                "a!{extension}/b", "a/!{extension}!{yyyy}", "x".repeat(520)}) {
            ApiException e = assertThrows(ApiException.class, () -> ChannelKeyTemplate.parse(template, "c", "i"),
                    template);
            assertEquals("InvalidArgumentException", e.type(), template);
        }
    }
}
