package dev.sluice.server.internal;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Verifies AWS Signature Version 4 ({@code Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/
 * aws4_request, SignedHeaders=..., Signature=...}) against configured secrets, as Kinesis and Firehose do.
 *
 * <p>Design note: stateless apart from the secrets and the clock; thread-safe. The canonical request is rebuilt from
 * what arrived: method, path (each segment URI-encoded again, as the SDKs sign non-S3 services), sorted query, the
 * signed headers (lower-case names, values trimmed with inner runs of spaces collapsed, repeated headers joined by
 * commas), the signed header list, and the payload hash ({@code x-amz-content-sha256} when sent, which must then
 * match the body unless it is {@code UNSIGNED-PAYLOAD}; otherwise the body's SHA-256). Errors are the ones AWS
 * returns: {@code MissingAuthenticationTokenException} without a signature, {@code UnrecognizedClientException} for
 * an unknown key, {@code InvalidSignatureException} for a wrong signature, a malformed header, or a request time
 * more than {@link #MAX_CLOCK_SKEW} from the server's clock (with AWS's "Signature expired" / "Signature not yet
 * current" messages). Signatures are compared in constant time.
 */
final class SignatureV4 {

    /** Kinesis and Firehose refuse a request signed more than 5 minutes before or after their clock. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    /** What a request carries for verification. */
    record Request(String method, String rawPath, String rawQuery, Function<String, List<String>> headers,
                   byte[] body) {
    }

    /** The parsed Authorization header. */
    record Authorization(String accessKeyId, String date, String region, String service, List<String> signedHeaders,
                         String signature) {
        String scope() {
            return date + "/" + region + "/" + service + "/aws4_request";
        }
    }

    private final Map<String, String> secrets;
    private final Clock clock;

    SignatureV4(Map<String, String> secrets, Clock clock) {
        this.secrets = Map.copyOf(secrets);
        this.clock = clock;
    }

    static ApiException missingToken() {
        return new ApiException(400, "MissingAuthenticationTokenException", "Missing Authentication Token");
    }

    static ApiException unrecognizedClient() {
        return new ApiException(400, "UnrecognizedClientException",
                "The security token included in the request is invalid.");
    }

    static ApiException invalidSignature(String message) {
        return new ApiException(400, "InvalidSignatureException", message);
    }

    /**
     * Parses the Authorization header.
     *
     * @throws ApiException {@code InvalidSignatureException} naming the part that is missing or malformed
     */
    static Authorization parse(String header) {
        String value = header.trim();
        if (!value.startsWith(ALGORITHM + " ")) {
            throw invalidSignature("Authorization header requires the " + ALGORITHM + " algorithm");
        }
        Map<String, String> parts = new TreeMap<>();
        for (String part : value.substring(ALGORITHM.length()).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        for (String required : List.of("Credential", "SignedHeaders", "Signature")) {
            if (!parts.containsKey(required) || parts.get(required).isEmpty()) {
                throw invalidSignature("Authorization header requires '" + required + "' parameter. Authorization="
                        + WireFormat.abbreviate(value));
            }
        }
        String[] credential = parts.get("Credential").split("/");
        if (credential.length != 5 || !"aws4_request".equals(credential[4])) {
            throw invalidSignature("Credential should be scoped to a valid region and service:"
                    + " <key>/<yyyyMMdd>/<region>/<service>/aws4_request but was '"
                    + WireFormat.abbreviate(parts.get("Credential")) + "'");
        }
        return new Authorization(credential[0], credential[1], credential[2], credential[3],
                List.of(parts.get("SignedHeaders").split(";")), parts.get("Signature").toLowerCase(Locale.ROOT));
    }

    /** @return whether a secret is configured for this key id */
    boolean knows(String accessKeyId) {
        return secrets.containsKey(accessKeyId);
    }

    /**
     * Verifies a request whose key id has a configured secret.
     *
     * @throws ApiException {@code InvalidSignatureException} when the signature or the request time is wrong
     */
    void verify(Authorization auth, Request request) {
        String amzDate = first(request.headers(), "x-amz-date");
        Instant signed;
        try {
            signed = amzDate != null ? AMZ_DATE.parse(amzDate, Instant::from) : rfc1123(first(request.headers(), "date"));
        } catch (DateTimeParseException e) {
            throw invalidSignature(amzDate != null ? "X-Amz-Date must be yyyyMMdd'T'HHmmss'Z' but was '"
                    + WireFormat.abbreviate(amzDate) + "'" : "Date must be an RFC 1123 date but was '"
                    + WireFormat.abbreviate(first(request.headers(), "date")) + "'");
        }
        if (signed == null) {
            throw invalidSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date'"
                    + " header. Authorization=" + ALGORITHM + " Credential=" + auth.accessKeyId() + "/" + auth.scope());
        }
        Instant now = clock.instant();
        if (signed.isBefore(now.minus(MAX_CLOCK_SKEW))) {
            throw invalidSignature("Signature expired: " + AMZ_DATE.format(signed) + " is now earlier than "
                    + AMZ_DATE.format(now.minus(MAX_CLOCK_SKEW)) + " (" + AMZ_DATE.format(now) + " - 5 min.)");
        }
        if (signed.isAfter(now.plus(MAX_CLOCK_SKEW))) {
            throw invalidSignature("Signature not yet current: " + AMZ_DATE.format(signed) + " is still later than "
                    + AMZ_DATE.format(now.plus(MAX_CLOCK_SKEW)) + " (" + AMZ_DATE.format(now) + " + 5 min.)");
        }
        if (!auth.signedHeaders().contains("host")) {
            throw invalidSignature("'Host' must be a signed header");
        }
        String payloadHash = payloadHash(request);
        String canonical = canonicalRequest(request, auth.signedHeaders(), payloadHash);
        String stringToSign = ALGORITHM + "\n" + AMZ_DATE.format(signed) + "\n" + auth.scope() + "\n"
                + HEX.formatHex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secrets.get(auth.accessKeyId())).getBytes(StandardCharsets.UTF_8), auth.date());
        key = hmac(key, auth.region());
        key = hmac(key, auth.service());
        key = hmac(key, "aws4_request");
        byte[] expected = HEX.formatHex(hmac(key, stringToSign)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, auth.signature().getBytes(StandardCharsets.US_ASCII))) {
            throw invalidSignature("The request signature we calculated does not match the signature you provided."
                    + " Check your AWS Secret Access Key and signing method. Consult the service documentation for"
                    + " details.");
        }
    }

    private static String payloadHash(Request request) {
        String declared = first(request.headers(), "x-amz-content-sha256");
        if (UNSIGNED_PAYLOAD.equals(declared)) {
            return declared;
        }
        String actual = HEX.formatHex(sha256(request.body()));
        if (declared != null && !declared.equalsIgnoreCase(actual)) {
            throw invalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        return declared != null ? declared : actual;
    }

    static String canonicalRequest(Request request, List<String> signedHeaders, String payloadHash) {
        StringBuilder out = new StringBuilder(256);
        out.append(request.method()).append('\n');
        out.append(canonicalPath(request.rawPath())).append('\n');
        out.append(canonicalQuery(request.rawQuery())).append('\n');
        for (String name : signedHeaders) {
            List<String> values = request.headers().apply(name);
            List<String> trimmed = new ArrayList<>();
            if (values != null) {
                for (String value : values) {
                    trimmed.add(value.trim().replaceAll(" +", " "));
                }
            }
            out.append(name).append(':').append(String.join(",", trimmed)).append('\n');
        }
        out.append('\n').append(String.join(";", signedHeaders)).append('\n').append(payloadHash);
        return out.toString();
    }

    /** Each segment of the path as received, URI-encoded once more (the SDKs double-encode non-S3 paths). */
    private static String canonicalPath(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        StringBuilder out = new StringBuilder(rawPath.length() + 8);
        String[] segments = rawPath.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(uriEncode(segments[i]));
        }
        return out.toString();
    }

    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        TreeMap<String, List<String>> sorted = new TreeMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = uriEncode(decode(eq < 0 ? pair : pair.substring(0, eq)));
            String value = eq < 0 ? "" : uriEncode(decode(pair.substring(eq + 1)));
            sorted.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        List<String> pairs = new ArrayList<>();
        sorted.forEach((name, values) -> values.stream().sorted().forEach(v -> pairs.add(name + "=" + v)));
        return String.join("&", pairs);
    }

    private static String decode(String text) {
        return java.net.URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes. */
    static String uriEncode(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static Instant rfc1123(String date) {
        return date == null ? null : DateTimeFormatter.RFC_1123_DATE_TIME.parse(date, Instant::from);
    }

    private static String first(Function<String, List<String>> headers, String name) {
        List<String> values = headers.apply(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
