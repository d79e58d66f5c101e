package dev.sluice.server.internal;

import java.util.Objects;

/**
 * Kinesis ARNs of this server's account and region: {@code arn:aws:kinesis:<region>:<account>:stream/<name>} and
 * consumer ARNs below them. Requests may name a stream by {@code StreamName}, {@code StreamARN} or both (then they
 * must agree, as in Kinesis).
 *
 * @param region    the region in ARNs
 * @param accountId the account id in ARNs
 */
record StreamArns(String region, String accountId) {

    StreamArns {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(accountId, "accountId");
    }

    String streamArn(String streamName) {
        return "arn:aws:kinesis:" + region + ":" + accountId + ":stream/" + streamName;
    }

    /**
     * The stream a request names.
     *
     * @throws ApiException {@code InvalidArgumentException} for an ARN of another service, region or account, or
     *                      a name and ARN that disagree; {@code ValidationException} when neither is given
     */
    String streamName(ApiRequest request) {
        String name = request.string("StreamName").orElse(null);
        String arn = request.string("StreamARN").orElse(null);
        if (arn == null) {
            return ApiRequest.required("StreamName", name);
        }
        String fromArn = nameFromArn(arn);
        if (name != null && !name.equals(fromArn)) {
            throw ApiException.invalidArgument("StreamName '" + name + "' and StreamARN '" + arn
                    + "' name different streams");
        }
        return fromArn;
    }

    String nameFromArn(String arn) {
        String prefix = "arn:aws:kinesis:" + region + ":" + accountId + ":stream/";
        if (!arn.startsWith(prefix) || arn.length() == prefix.length()) {
            throw ApiException.invalidArgument("StreamARN must be " + prefix + "<stream name> (this server's region "
                    + region + " and account " + accountId + ") but was '" + WireFormat.abbreviate(arn) + "'");
        }
        String rest = arn.substring(prefix.length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }
}
