package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Firehose's tag and encryption actions on hosted delivery streams: TagDeliveryStream, UntagDeliveryStream,
 * ListTagsForDeliveryStream, StartDeliveryStreamEncryption, StopDeliveryStreamEncryption, and the checks
 * CreateDeliveryStream shares ({@code Tags}, {@code DeliveryStreamEncryptionConfigurationInput}).
 *
 * <p>Limits as Firehose: 50 tags per stream ({@code LimitExceededException} beyond), keys 1 to 128 characters not
 * starting with {@code aws:}, values 0 to 256, both of letters, spaces, digits and {@code _.:/=+-@%}; ListTags
 * {@code Limit} 1 to 50. Encryption: KeyType {@code AWS_OWNED_CMK} (no KeyARN) or {@code CUSTOMER_MANAGED_CMK}
 * (KeyARN required, a KMS key ARN); DirectPut streams only. A well-formed key ARN of another region is
 * {@code InvalidKMSResourceException} (KMS keys are regional; KMS would answer NotFoundException). Encryption is
 * stored and reported, not applied. Stateless; state lives in {@link HostedDeliveryStream}.
 */
final class FirehoseStreamSettings {

    /** Firehose: at most 50 tags per delivery stream (and per TagDeliveryStream / CreateDeliveryStream call). */
    static final int MAX_TAGS = 50;
    static final int MAX_TAG_KEY_LENGTH = 128;
    static final int MAX_TAG_VALUE_LENGTH = 256;
    private static final Pattern TAG_TEXT = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@%]*");
    private static final Pattern KMS_KEY_ARN = Pattern.compile("arn:aws[a-z-]*:kms:([a-z0-9-]+):(\\d{12}):key/.+");

    private final Function<ApiRequest, HostedDeliveryStream> lookup;
    private final java.util.function.Consumer<HostedDeliveryStream> changed;
    private final Clock clock;
    private final String region;

    /**
     * @param lookup  the stream a request names
     * @param changed told after a stream's tags or encryption changed (to persist its definition)
     * @param clock   server time
     * @param region  region of KMS key ARNs
     */
    FirehoseStreamSettings(Function<ApiRequest, HostedDeliveryStream> lookup,
                           java.util.function.Consumer<HostedDeliveryStream> changed, Clock clock, String region) {
        this.lookup = lookup;
        this.changed = changed;
        this.clock = clock;
        this.region = region;
    }

    void register(Map<String, Operation> operations) {
        operations.put("TagDeliveryStream", this::tag);
        operations.put("UntagDeliveryStream", this::untag);
        operations.put("ListTagsForDeliveryStream", this::listTags);
        operations.put("StartDeliveryStreamEncryption", this::start);
        operations.put("StopDeliveryStreamEncryption", this::stop);
    }

    /**
     * Reads and checks a {@code Tags} list.
     *
     * @throws ApiException {@code InvalidArgumentException} naming the key or value that breaks a rule, or a list
     *                      of more than {@link #MAX_TAGS}
     */
    static Map<String, String> tags(JsonNode list, String field) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (list == null) {
            return tags;
        }
        if (!list.isArray()) {
            throw ApiException.serialization(field + " must be a list");
        }
        if (list.size() > MAX_TAGS) {
            throw ApiException.invalidArgument(field + " may hold at most " + MAX_TAGS + " tags but had "
                    + list.size());
        }
        for (JsonNode tag : list) {
            String key = ApiRequest.required(field + ".Key", ApiRequest.string(tag, "Key"));
            String value = ApiRequest.string(tag, "Value");
            checkKey(key);
            if (value != null && (value.length() > MAX_TAG_VALUE_LENGTH || !TAG_TEXT.matcher(value).matches())) {
                throw ApiException.invalidArgument("tag value of '" + WireFormat.abbreviate(key) + "' must be 0 to "
                        + MAX_TAG_VALUE_LENGTH + " letters, spaces, digits or _.:/=+-@% but was '"
                        + WireFormat.abbreviate(value) + "'");
            }
            tags.put(key, value == null ? "" : value);
        }
        return tags;
    }

    private static void checkKey(String key) {
        if (key.isEmpty() || key.length() > MAX_TAG_KEY_LENGTH || !TAG_TEXT.matcher(key).matches()) {
            throw ApiException.invalidArgument("tag key must be 1 to " + MAX_TAG_KEY_LENGTH + " letters, spaces,"
                    + " digits or _.:/=+-@% but was '" + WireFormat.abbreviate(key) + "'");
        }
        if (key.startsWith("aws:")) {
            throw ApiException.invalidArgument("tag key '" + WireFormat.abbreviate(key) + "' must not start with"
                    + " 'aws:' (reserved for AWS)");
        }
    }

    /** Adds tags to a stream, all or none. */
    static void addTags(HostedDeliveryStream h, Map<String, String> tags) {
        synchronized (h) {
            TreeMap<String, String> merged = new TreeMap<>(h.tags);
            merged.putAll(tags);
            if (merged.size() > MAX_TAGS) {
                throw new ApiException(400, "LimitExceededException", "Firehose " + h.name + " would have "
                        + merged.size() + " tags, more than the limit of " + MAX_TAGS);
            }
            h.tags.putAll(tags);
        }
    }

    private CompletableFuture<Object> tag(ApiRequest r) {
        HostedDeliveryStream h = lookup.apply(r);
        JsonNode list = r.node("Tags");
        if (list == null || list.isEmpty()) {
            throw ApiException.invalidArgument("Tags must hold 1 to " + MAX_TAGS + " tags");
        }
        addTags(h, tags(list, "Tags"));
        changed.accept(h);
        return CompletableFuture.completedFuture(Map.of());
    }

    private CompletableFuture<Object> untag(ApiRequest r) {
        HostedDeliveryStream h = lookup.apply(r);
        JsonNode keys = r.node("TagKeys");
        if (keys == null || !keys.isArray() || keys.isEmpty() || keys.size() > MAX_TAGS) {
            throw ApiException.invalidArgument("TagKeys must hold 1 to " + MAX_TAGS + " keys");
        }
        List<String> remove = new ArrayList<>();
        for (JsonNode key : keys) {
            if (!key.isTextual()) {
                throw ApiException.serialization("TagKeys must be strings");
            }
            checkKey(key.textValue());
            remove.add(key.textValue());
        }
        synchronized (h) {
            remove.forEach(h.tags::remove);
        }
        changed.accept(h);
        return CompletableFuture.completedFuture(Map.of());
    }

    private CompletableFuture<Object> listTags(ApiRequest r) {
        HostedDeliveryStream h = lookup.apply(r);
        int limit = r.integer("Limit").orElse(MAX_TAGS);
        if (limit < 1 || limit > MAX_TAGS) {
            throw ApiException.invalidArgument("Limit must be between 1 and " + MAX_TAGS + " but was " + limit);
        }
        String after = r.string("ExclusiveStartTagKey").orElse(null);
        List<Object> page = new ArrayList<>();
        boolean more = false;
        synchronized (h) {
            Iterator<Map.Entry<String, String>> it = (after == null ? h.tags : h.tags.tailMap(after, false))
                    .entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, String> tag = it.next();
                if (page.size() == limit) {
                    more = true;
                    break;
                }
                page.add(Map.of("Key", tag.getKey(), "Value", tag.getValue()));
            }
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("Tags", page);
        response.put("HasMoreTags", more);
        return CompletableFuture.completedFuture(response);
    }

    /** A checked (KeyType, KeyARN) pair from a DeliveryStreamEncryptionConfigurationInput. */
    record Key(String type, String arn) {
    }

    /**
     * @throws ApiException {@code InvalidArgumentException} for a bad KeyType/KeyARN combination or a non-DirectPut
     *                      stream, {@code InvalidKMSResourceException} for a key of another region
     */
    Key key(JsonNode input, String streamType, String streamName) {
        if (!"DirectPut".equals(streamType)) {
            throw ApiException.invalidArgument("server-side encryption can only be enabled for a DirectPut delivery"
                    + " stream, but " + streamName + " is " + streamType + " (encrypt the source stream instead)");
        }
        String type = input == null ? null : ApiRequest.string(input, "KeyType");
        String arn = input == null ? null : ApiRequest.string(input, "KeyARN");
        if (type == null) {
            type = "AWS_OWNED_CMK";
        }
        switch (type) {
            case "AWS_OWNED_CMK" -> {
                if (arn != null) {
                    throw ApiException.invalidArgument("KeyARN must not be given when KeyType is AWS_OWNED_CMK");
                }
            }
            case "CUSTOMER_MANAGED_CMK" -> {
                if (arn == null) {
                    throw ApiException.invalidArgument("KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK");
                }
                java.util.regex.Matcher m = KMS_KEY_ARN.matcher(arn);
                if (!m.matches()) {
                    throw ApiException.invalidArgument("KeyARN must be a KMS key ARN"
                            + " (arn:aws:kms:<region>:<account>:key/<id>) but was '" + WireFormat.abbreviate(arn) + "'");
                }
                if (!m.group(1).equals(region)) {
                    ApiException e = new ApiException(400, "InvalidKMSResourceException", "KMS key " + arn
                            + " is in region " + m.group(1) + " but the delivery stream is in " + region
                            + ": KMS NotFoundException");
                    throw e;
                }
            }
            default -> throw ApiException.invalidArgument("KeyType must be AWS_OWNED_CMK or CUSTOMER_MANAGED_CMK but"
                    + " was '" + WireFormat.abbreviate(type) + "'");
        }
        return new Key(type, arn);
    }

    private CompletableFuture<Object> start(ApiRequest r) {
        HostedDeliveryStream h = lookup.apply(r);
        Key key = key(r.node("DeliveryStreamEncryptionConfigurationInput"), h.type, h.name);
        h.changeEncryption(true, key.type(), key.arn(), clock.instant());
        changed.accept(h);
        return CompletableFuture.completedFuture(Map.of());
    }

    private CompletableFuture<Object> stop(ApiRequest r) {
        HostedDeliveryStream h = lookup.apply(r);
        h.changeEncryption(false, null, null, clock.instant());
        changed.accept(h);
        return CompletableFuture.completedFuture(Map.of());
    }
}
