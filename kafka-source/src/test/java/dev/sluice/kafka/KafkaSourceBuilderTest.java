package dev.sluice.kafka;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaSourceBuilderTest {

    private static KafkaSource.Builder valid() {
        return KafkaSource.builder().bootstrapServers("localhost:9092").groupId("g").topics("clicks");
    }

    private static void assertInvalid(KafkaSource.Builder builder, String expected) {
        DeliveryException e = assertThrows(DeliveryException.class, builder::build);
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void build_valid_describesTheSource() {
        KafkaSource source = valid().name("clicks-to-s3").build();
        assertEquals("kafka source clicks-to-s3 (topics [clicks], group g, bootstrap localhost:9092)",
                source.description());
    }

    @Test
    void build_missingRequiredSettings_namesThem() {
        assertInvalid(KafkaSource.builder().groupId("g").topics("t"), "bootstrapServers must be set but was null");
        assertInvalid(KafkaSource.builder().bootstrapServers("h:1").topics("t"), "groupId must be set");
        assertInvalid(KafkaSource.builder().bootstrapServers("h:1").groupId("g"),
                "exactly one of topics and topicPattern must be set but neither was");
    }

    @Test
    void build_topicsAndPattern_lastOneWins() {
        KafkaSource source = valid().topicPattern(Pattern.compile("clicks-.*")).build();
        assertTrue(source.description().contains("topics matching clicks-.*"), source.description());
    }

    @Test
    void build_badTopicName_isRefusedWithKafkasRule() {
        assertInvalid(valid().topics("clicks", "bad topic"), "but one was 'bad topic'");
        assertInvalid(valid().topics("x".repeat(246)), "1 to 245 characters");
        assertInvalid(valid().topics(java.util.List.of()), "at least one topic");
    }

    @Test
    void build_durationsOutOfRange_nameFieldRangeAndValue() {
        assertInvalid(valid().pollTimeout(Duration.ZERO), "pollTimeout must be in [PT0.001S, PT30S] but was PT0S");
        assertInvalid(valid().commitTimeout(Duration.ofMinutes(10)),
                "commitTimeout must be in [PT1S, PT5M] but was PT10M");
        assertInvalid(valid().startTimeout(null), "startTimeout must be in [PT0.1S, PT5M] but was null");
    }

    @Test
    void build_consumerPropertiesTheSourceOwns_areRefused() {
        assertInvalid(valid().consumerProperty("enable.auto.commit", "true"),
                "enable.auto.commit must be false");
        assertInvalid(valid().consumerProperty("group.id", "other"), "consumerProperty group.id is set by the source");
        assertInvalid(valid().consumerProperty("value.deserializer", "x"), "value.deserializer is set by the source");
        valid().consumerProperty("enable.auto.commit", "false").consumerProperty("max.poll.records", "500").build();
    }
}
