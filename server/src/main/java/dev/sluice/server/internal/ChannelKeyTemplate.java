package dev.sluice.server.internal;

import java.util.List;
import java.util.Map;

/**
 * A channel's {@code OutputKeyTemplate}, translated to the delivery layer's prefix expressions.
 *
 * <p>Design note: immutable, validated once at CreateChannel. Variables, as the Kinesis data-delivery guide lists
 * them: {@code !{channel-name}} and {@code !{channel-id}} (fixed text, resolved here), {@code !{yyyy}},
 * {@code !{YY}}, {@code !{MM}}, {@code !{dd}}, {@code !{HH}}, {@code !{mm}} (UTC, of the first record of the object,
 * so a rebuilt object gets the same key) and {@code !{extension}} (the compression's extension: none, {@code .gz},
 * {@code .zst}; only at the very end). Kinesis appends a unique suffix to every key; Sluice's suffix is
 * {@code -<delivery name>-<version>-<yyyy-MM-dd-HH-mm-ss>-<shard>-<first>-<last sequence number>}, inserted before
 * the extension, which makes objects idempotent across restarts. Refused with {@code InvalidArgumentException}:
 * an unknown variable, an unclosed {@code !{}, a stray brace, a leading {@code /}, a trailing {@code /}, {@code ..},
 * {@code ./}, {@code //}, and a template whose fixed part is longer than the 512 characters a key prefix may have.
 *
 * @param prefix         the delivery layer's prefix ({@code !{timestamp:...}} expressions), ending before the suffix
 * @param withExtension  whether the key ends with the compression's extension
 */
record ChannelKeyTemplate(String prefix, boolean withExtension) {

    /** Kinesis's template when none is given (data-delivery guide, "Default template"). */
    static final String DEFAULT = "kinesis-channel/!{channel-name}/!{channel-id}/!{yyyy}/!{MM}/!{dd}/!{HH}/"
            + "!{channel-name}-!{channel-id}-!{yyyy}-!{MM}-!{dd}-!{HH}-!{mm}!{extension}";
    /** The delivery layer's limit on an evaluated prefix. */
    static final int MAX_PREFIX_CHARS = 512;
    /** Time variables and their {@code DateTimeFormatter} patterns ({@code YY} is the two-digit year). */
    private static final Map<String, String> TIME = Map.of("yyyy", "yyyy", "YY", "yy", "MM", "MM", "dd", "dd",
            "HH", "HH", "mm", "mm");
    private static final List<String> KNOWN = List.of("channel-name", "channel-id", "yyyy", "YY", "MM", "dd", "HH",
            "mm", "extension");
    /**
     * A timestamp expression that prints nothing: the delivery layer appends Firehose's {@code yyyy/MM/dd/HH/} to a
     * prefix without one, which a channel key must not get.
     */
    private static final String EMPTY_TIMESTAMP = "!{timestamp:[]}";

    /**
     * Parses and translates.
     *
     * @param template    the OutputKeyTemplate
     * @param channelName the channel name
     * @param channelId   the channel id
     * @return the translation
     * @throws ApiException {@code InvalidArgumentException} naming the problem
     */
    static ChannelKeyTemplate parse(String template, String channelName, String channelId) {
        if (template.startsWith("/") || template.endsWith("/") || template.contains("..")
                || template.contains("./") || template.contains("//")) {
            throw invalid(template, "must not start or end with '/' nor contain '..', './' or '//'");
        }
        StringBuilder prefix = new StringBuilder();
        int fixedLength = 0;
        boolean time = false;
        boolean extension = false;
        int i = 0;
        while (i < template.length()) {
            if (extension) {
                throw invalid(template, "may have !{extension} only at its very end");
            }
            int start = template.indexOf("!{", i);
            String literal = start < 0 ? template.substring(i) : template.substring(i, start);
            if (literal.indexOf('{') >= 0 || literal.indexOf('}') >= 0) {
                throw invalid(template, "has a brace outside a !{variable}");
            }
            prefix.append(literal);
            fixedLength += literal.length();
            if (start < 0) {
                break;
            }
            int end = template.indexOf('}', start);
            if (end < 0) {
                throw invalid(template, "has an unclosed !{ at index " + start);
            }
            String name = template.substring(start + 2, end);
            switch (name) {
                case "channel-name" -> {
                    prefix.append(channelName);
                    fixedLength += channelName.length();
                }
                case "channel-id" -> {
                    prefix.append(channelId);
                    fixedLength += channelId.length();
                }
                case "extension" -> extension = true;
                default -> {
                    String pattern = TIME.get(name);
                    if (pattern == null) {
                        throw invalid(template, "has unknown variable !{" + WireFormat.abbreviate(name)
                                + "}; known: " + KNOWN);
                    }
                    prefix.append("!{timestamp:").append(pattern).append('}');
                    fixedLength += pattern.length();
                    time = true;
                }
            }
            i = end + 1;
        }
        prefix.append('-');
        if (fixedLength + 1 > MAX_PREFIX_CHARS) {
            throw invalid(template, "makes a key prefix of " + (fixedLength + 1) + " characters but at most "
                    + MAX_PREFIX_CHARS + " are allowed");
        }
        if (!time) {
            prefix.append(EMPTY_TIMESTAMP);
        }
        return new ChannelKeyTemplate(prefix.toString(), extension);
    }

    private static ApiException invalid(String template, String problem) {
        return ApiException.invalidArgument("OutputKeyTemplate '" + WireFormat.abbreviate(template) + "' " + problem);
    }
}
