package dev.sluice.server.internal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * Pagination tokens ({@code NextToken}) of the list operations: opaque to clients, they carry the list kind, the
 * stream, the last key returned and when they were issued, and expire after 300 seconds as Kinesis's do
 * ({@code ExpiredNextTokenException}). Not signed: a client can forge one, but only to page through data it can
 * list anyway.
 */
final class PageTokens {

    /** Kinesis: a NextToken is valid for 300 seconds. */
    static final Duration TOKEN_LIFETIME = Duration.ofSeconds(300);

    private final Clock clock;

    PageTokens(Clock clock) {
        this.clock = clock;
    }

    /** A decoded token. */
    record Page(String stream, String lastKey) {
    }

    String encode(String kind, String stream, String lastKey) {
        String raw = kind + "\n" + stream + "\n" + lastKey + "\n" + clock.millis();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws ApiException {@code InvalidArgumentException} for a token this server did not issue for this kind of
     *                      list, {@code ExpiredNextTokenException} for one older than {@link #TOKEN_LIFETIME}
     */
    Page decode(String kind, String token) {
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", -1);
        } catch (IllegalArgumentException e) {
            parts = new String[0];
        }
        if (parts.length != 4 || !parts[0].equals(kind)) {
            throw ApiException.invalidArgument("NextToken '" + WireFormat.abbreviate(token) + "' is not a valid "
                    + kind + " token");
        }
        long issued;
        try {
            issued = Long.parseLong(parts[3]);
        } catch (NumberFormatException e) {
            throw ApiException.invalidArgument("NextToken '" + WireFormat.abbreviate(token) + "' is not valid");
        }
        if (clock.instant().isAfter(Instant.ofEpochMilli(issued).plus(TOKEN_LIFETIME))) {
            throw new ApiException(400, "ExpiredNextTokenException", "NextToken expired: it was issued at "
                    + Instant.ofEpochMilli(issued) + " and is valid for " + TOKEN_LIFETIME.toSeconds() + " seconds");
        }
        return new Page(parts[1], parts[2]);
    }
}
