package dev.sluice.server.internal;

import java.util.Objects;

/**
 * A complete response: status, content type, body, and for errors the AWS error name (sent as
 * {@code x-amzn-ErrorType} as well as {@code __type} in the body, which is where the SDK looks).
 *
 * @param status      the HTTP status
 * @param contentType the body's content type
 * @param body        the encoded body
 * @param errorType   the AWS error name, or {@code null} for a success
 */
record ApiResponse(int status, String contentType, byte[] body, String errorType) {

    ApiResponse {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
    }

    static ApiResponse error(WireFormat format, ApiException e) {
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("__type", e.type());
        body.put("message", e.getMessage() == null ? e.type() : e.getMessage());
        return new ApiResponse(e.status(), format.contentType(), format.write(body), e.type());
    }
}
