package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.delivery.DeliveryStream;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One delivery stream the server hosts: its definition, the running {@link DeliveryStream}, tags and the
 * server-side encryption setting.
 *
 * <p>Design note: {@code stream}, {@code version}, {@code destination}, {@code conversion} and
 * {@code lastUpdate} change under the write lock (puts hold the read lock, so none is lost during a swap); tags
 * and encryption state are guarded by this object's monitor. Encryption is stored and reported, never applied:
 * Sluice writes objects as it always does. A Start/Stop moves to ENABLING/DISABLING and settles to
 * ENABLED/DISABLED after {@link #ENCRYPTION_TRANSITION} of the server clock, so clients that poll for the final
 * status see the intermediate one as on AWS.
 */
final class HostedDeliveryStream {

    /** How long ENABLING/DISABLING lasts (Sluice's choice; AWS takes seconds to minutes). */
    static final Duration ENCRYPTION_TRANSITION = Duration.ofSeconds(1);
    /** Firehose: Start/StopDeliveryStreamEncryption together at most 25 times per stream per 24 hours. */
    static final int MAX_ENCRYPTION_CALLS = 25;
    static final Duration ENCRYPTION_CALL_WINDOW = Duration.ofHours(24);

    final String name;
    final String type;
    final String sourceStreamArn;
    final String sourceRoleArn;
    final Instant created;
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    String destinationKind;
    ObjectNode destination;
    FirehoseFormatConversion.Resolved conversion;
    DeliveryStream stream;
    int version = 1;
    Instant lastUpdate;
    /** Serialises {@link FirehoseDefinitions} writes of this stream; taken before {@link #lock} and the monitor. */
    final Object saveLock = new Object();
    /** Set (under {@link #saveLock}) once deleted, so a late save cannot bring the definition back. */
    boolean deleted;

    /** Tag key to value, sorted by key (ListTagsForDeliveryStream pages in this order). */
    final TreeMap<String, String> tags = new TreeMap<>();
    private boolean encryptionEnabled;
    private String keyType;
    private String keyArn;
    private Instant transitionEnds = Instant.MIN;
    private final Deque<Instant> encryptionCalls = new ArrayDeque<>();

    HostedDeliveryStream(String name, String type, String sourceStreamArn, String sourceRoleArn, Instant created) {
        this.name = name;
        this.type = type;
        this.sourceStreamArn = sourceStreamArn;
        this.sourceRoleArn = sourceRoleArn;
        this.created = created;
    }

    /** ENABLING, ENABLED, DISABLING or DISABLED at {@code now}. */
    synchronized String encryptionStatus(Instant now) {
        boolean settled = !now.isBefore(transitionEnds);
        if (encryptionEnabled) {
            return settled ? "ENABLED" : "ENABLING";
        }
        return settled ? "DISABLED" : "DISABLING";
    }

    /** The DeliveryStreamEncryptionConfiguration as DescribeDeliveryStream reports it. */
    synchronized java.util.Map<String, Object> encryptionDescription(Instant now) {
        java.util.Map<String, Object> d = new java.util.LinkedHashMap<>();
        if (encryptionEnabled) {
            if (keyArn != null) {
                d.put("KeyARN", keyArn);
            }
            d.put("KeyType", keyType);
        }
        d.put("Status", encryptionStatus(now));
        return d;
    }

    synchronized boolean encrypted(Instant now) {
        return encryptionStatus(now).equals("ENABLED");
    }

    /** Enabled from creation (CreateDeliveryStream with DeliveryStreamEncryptionConfigurationInput). */
    synchronized void enableAtCreation(String type, String arn) {
        encryptionEnabled = true;
        keyType = type;
        keyArn = arn;
    }

    /**
     * Starts a transition.
     *
     * @throws ApiException {@code ResourceInUseException} during another transition, {@code LimitExceededException}
     *                      after {@link #MAX_ENCRYPTION_CALLS} calls in {@link #ENCRYPTION_CALL_WINDOW}
     */
    synchronized void changeEncryption(boolean enable, String type, String arn, Instant now) {
        if (now.isBefore(transitionEnds)) {
            throw ApiException.resourceInUse("Firehose " + name + " is " + encryptionStatus(now) + ": wait until the"
                    + " encryption status is ENABLED or DISABLED before starting or stopping encryption again");
        }
        while (!encryptionCalls.isEmpty() && !encryptionCalls.peekFirst().plus(ENCRYPTION_CALL_WINDOW).isAfter(now)) {
            encryptionCalls.removeFirst();
        }
        if (encryptionCalls.size() >= MAX_ENCRYPTION_CALLS) {
            throw new ApiException(400, "LimitExceededException", "Firehose " + name + " has had "
                    + encryptionCalls.size() + " StartDeliveryStreamEncryption/StopDeliveryStreamEncryption calls in"
                    + " the last 24 hours, the limit of " + MAX_ENCRYPTION_CALLS + "; retry after "
                    + encryptionCalls.peekFirst().plus(ENCRYPTION_CALL_WINDOW));
        }
        encryptionCalls.addLast(now);
        if (!enable && !encryptionEnabled) {
            return;
        }
        encryptionEnabled = enable;
        if (enable) {
            keyType = type;
            keyArn = arn;
        } else {
            keyType = null;
            keyArn = null;
        }
        transitionEnds = now.plus(ENCRYPTION_TRANSITION);
    }

    /** Writes the encryption state (setting, transition end, recent calls) into {@code node}, for persistence. */
    synchronized void writeEncryption(ObjectNode node) {
        node.put("Enabled", encryptionEnabled);
        if (keyType != null) {
            node.put("KeyType", keyType);
        }
        if (keyArn != null) {
            node.put("KeyARN", keyArn);
        }
        if (!transitionEnds.equals(Instant.MIN)) {
            node.put("TransitionEnds", transitionEnds.toString());
        }
        ArrayNode calls = node.putArray("Calls");
        encryptionCalls.forEach(call -> calls.add(call.toString()));
    }

    /** Restores what {@link #writeEncryption} wrote. */
    synchronized void readEncryption(JsonNode node) {
        encryptionEnabled = node.path("Enabled").asBoolean(false);
        keyType = node.hasNonNull("KeyType") ? node.get("KeyType").asText() : null;
        keyArn = node.hasNonNull("KeyARN") ? node.get("KeyARN").asText() : null;
        transitionEnds = node.hasNonNull("TransitionEnds") ? Instant.parse(node.get("TransitionEnds").asText())
                : Instant.MIN;
        encryptionCalls.clear();
        node.path("Calls").forEach(call -> encryptionCalls.addLast(Instant.parse(call.asText())));
    }
}
