package dev.sluice.delivery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** Helpers for reading objects back. */
final class TestData {

    private TestData() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<byte[]> records(int n, String template) {
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(utf8(String.format(template, i)));
        }
        return out;
    }

    /** Visible files under a directory, relative, sorted; hidden (temporary) files are reported too, with a dot. */
    static List<String> files(Path root) {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> lines(byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            return List.of();
        }
        return Arrays.asList(text.split("\n"));
    }

    static byte[] gunzip(byte[] gz) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern KEYED = Pattern.compile("\"k\":(\\d+),\"n\":(\\d+)");

    /**
     * Reads every visible object of a bucket of JSON lines {@code {"k":K,"n":N,...}}, checks that each key's records
     * are in increasing {@code n} inside every object, and counts each record as {@code "K/N"}.
     */
    static Map<String, Integer> keyedRecordCounts(Path bucket) throws IOException {
        Map<String, Integer> seen = new HashMap<>();
        for (String file : files(bucket)) {
            if (file.substring(file.lastIndexOf('/') + 1).startsWith(".")) {
                continue; // a temporary file of a killed write: never visible as an object
            }
            Map<Integer, Integer> lastPerKey = new HashMap<>();
            for (String line : lines(Files.readAllBytes(bucket.resolve(file)))) {
                Matcher m = KEYED.matcher(line);
                if (!m.find()) {
                    throw new AssertionError("not a keyed record in " + file + ": " + line);
                }
                int key = Integer.parseInt(m.group(1));
                int n = Integer.parseInt(m.group(2));
                seen.merge(key + "/" + n, 1, Integer::sum);
                Integer previous = lastPerKey.put(key, n);
                if (previous != null && previous >= n) {
                    throw new AssertionError("key " + key + " out of order in " + file + ": " + previous + " before "
                            + n);
                }
            }
        }
        return seen;
    }

    /** The records counted more than once, at most ten. */
    static List<String> duplicates(Map<String, Integer> counts) {
        return counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).sorted().limit(10)
                .toList();
    }

    private static final Pattern RAW_DATA = Pattern.compile("\"rawData\":\"([^\"]*)\"");

    static String rawData(String envelopeLine) {
        Matcher m = RAW_DATA.matcher(envelopeLine);
        if (!m.find()) {
            throw new AssertionError("no rawData in " + envelopeLine);
        }
        return new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
    }
}
