package dev.sluice.perf.bench.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns a preset or a scenario file (YAML or JSON) plus {@code path=value} overrides into a validated
 * {@link Scenario}.
 *
 * <p>Design note: the built-in {@code defaults.yaml} holds every field with its default, so one tree walk finds
 * unknown keys anywhere (in a file or an override) and names them with their full path and the keys allowed
 * there. The merged tree is then bound by Jackson (wrong types are reported with their path) and validated (ranges).
 * The effective tree is kept: reports embed it, so a figure always comes with the exact design that produced it.
 *
 * <p>Thread-safety: stateless; safe for concurrent use.
 */
public final class ScenarioLoader {

    /** The presets shipped with the tool, in {@code --help} order. */
    public static final List<String> PRESETS = List.of("clickstream", "iot-telemetry", "log-shipping", "cdc", "soak");

    private static final String RESOURCES = "/dev/sluice/perf/bench/";
    /**
     * YAML 1.1 reads {@code OFF}, {@code on}, {@code yes} and {@code no} as booleans, so {@code throttleMode: OFF}
     * arrived as {@code false}; only {@code true} and {@code false} are booleans here. Enum values are accepted in
     * any case ({@code off}, {@code Durable}).
     */
    private static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
                    .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS).build())
            .addModule(new JavaTimeModule())
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .disable(DeserializationFeature.READ_DATE_TIMESTAMPS_AS_NANOSECONDS)
            .build();

    private ScenarioLoader() {
    }

    /**
     * A loaded scenario with where it came from.
     *
     * @param scenario  the validated scenario
     * @param source    {@code preset:<name>} or the file path as given
     * @param effective the merged tree (defaults, file, overrides) the scenario was bound from
     */
    public record Loaded(Scenario scenario, String source, JsonNode effective) {
    }

    /**
     * Loads a preset.
     *
     * @param name      one of {@link #PRESETS}
     * @param overrides {@code path=value} pairs, applied in order
     * @return the scenario
     * @throws ScenarioException for an unknown preset or a bad override
     */
    public static Loaded preset(String name, List<String> overrides) {
        if (!PRESETS.contains(name)) {
            throw new ScenarioException("unknown preset '" + name + "'; presets: " + String.join(", ", PRESETS));
        }
        return load(readResource("presets/" + name + ".yaml"), "preset:" + name, overrides);
    }

    /**
     * Loads a scenario file.
     *
     * @param file      YAML or JSON (JSON is YAML)
     * @param overrides {@code path=value} pairs, applied in order
     * @return the scenario
     * @throws ScenarioException naming the file and the bad field
     */
    public static Loaded file(Path file, List<String> overrides) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ScenarioException("scenario file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new ScenarioException("cannot read scenario file " + file + ": " + e.getMessage(), e);
        }
        return load(text, file.toString(), overrides);
    }

    /**
     * Loads scenario text (YAML or JSON).
     *
     * @param text      the scenario
     * @param source    what to call it in messages and reports
     * @param overrides {@code path=value} pairs, applied in order
     * @return the scenario
     * @throws ScenarioException naming the source and the bad field
     */
    public static Loaded load(String text, String source, List<String> overrides) {
        ObjectNode tree = defaults();
        JsonNode given;
        try {
            given = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ScenarioException(source + ": not valid YAML/JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()), e);
        }
        if (given != null && !given.isMissingNode() && !given.isNull()) {
            if (!given.isObject()) {
                throw new ScenarioException(source + ": a scenario must be a mapping of fields, but was " + given.getNodeType());
            }
            merge(tree, (ObjectNode) given, "", source);
        }
        for (String override : overrides) {
            applyOverride(tree, override);
        }
        Scenario scenario;
        try {
            scenario = YAML.treeToValue(tree, Scenario.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ScenarioException(source + ": unknown field '" + path(e) + "'; fields allowed there: "
                    + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")), e);
        } catch (InvalidFormatException e) {
            String hint = e.getTargetType() == java.time.Duration.class ? " (an ISO-8601 duration such as PT30S or PT1H)"
                    : e.getTargetType() != null && e.getTargetType().isEnum()
                    ? " (one of " + java.util.Arrays.toString(e.getTargetType().getEnumConstants()) + ")" : "";
            throw new ScenarioException(source + ": " + path(e) + " cannot be '" + e.getValue() + "'" + hint, e);
        } catch (JsonMappingException e) {
            throw new ScenarioException(source + ": " + path(e) + ": " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new ScenarioException(source + ": " + e.getOriginalMessage(), e);
        }
        try {
            scenario.validate();
        } catch (ScenarioException e) {
            throw new ScenarioException(source + ": " + e.getMessage(), e);
        }
        return new Loaded(scenario, source, tree);
    }

    /**
     * Renders the effective scenario as YAML, for reports and {@code --print-scenario}.
     *
     * @param effective the merged tree
     * @return YAML text
     */
    public static String toYaml(JsonNode effective) {
        try {
            return YAML.writeValueAsString(effective);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a scenario tree always serialises", e);
        }
    }

    /** The one-line description of each preset, for {@code --help}. */
    public static Map<String, String> presetDescriptions() {
        return PRESETS.stream().collect(Collectors.toMap(p -> p, p -> preset(p, List.of()).scenario().description(),
                (a, b) -> a, java.util.LinkedHashMap::new));
    }

    /** Every settable path with its default, for {@code --help}. */
    public static List<String> fieldPaths() {
        List<String> paths = new ArrayList<>();
        collect(defaults(), "", paths);
        return paths;
    }

    private static void collect(JsonNode node, String prefix, List<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                collect(e.getValue(), prefix + e.getKey() + ".", out);
            } else {
                out.add(prefix + e.getKey() + " = " + e.getValue());
            }
        }
    }

    private static ObjectNode defaults() {
        try {
            return (ObjectNode) YAML.readTree(readResource("defaults.yaml"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the built-in defaults.yaml does not parse", e);
        }
    }

    private static String readResource(String name) {
        try (InputStream in = ScenarioLoader.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCES + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies {@code given} over {@code base}; objects merge, anything else replaces. Unknown keys are errors. */
    private static void merge(ObjectNode base, ObjectNode given, String prefix, String source) {
        for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix + e.getKey();
            JsonNode current = base.get(e.getKey());
            if (current == null) {
                throw new ScenarioException(source + ": unknown field '" + path + "'; fields allowed "
                        + (prefix.isEmpty() ? "at the top level" : "in " + prefix.substring(0, prefix.length() - 1))
                        + ": " + String.join(", ", iterable(base.fieldNames())));
            }
            if (current.isObject()) {
                if (!e.getValue().isObject()) {
                    throw new ScenarioException(source + ": '" + path + "' must be a mapping with fields "
                            + String.join(", ", iterable(current.fieldNames())) + " but was " + e.getValue());
                }
                merge((ObjectNode) current, (ObjectNode) e.getValue(), path + ".", source);
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    private static void applyOverride(ObjectNode tree, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ScenarioException("override '" + override + "' must be path=value, for example stream.shards=8");
        }
        String path = override.substring(0, eq).trim();
        String value = override.substring(eq + 1).trim();
        JsonNode parsed;
        try {
            parsed = value.isEmpty() ? YAML.getNodeFactory().textNode("") : YAML.readTree(value);
        } catch (JsonProcessingException e) {
            throw new ScenarioException("override " + path + ": cannot parse value '" + value + "': " + e.getOriginalMessage(), e);
        }
        ObjectNode patch = YAML.createObjectNode();
        ObjectNode at = patch;
        String[] parts = path.split("\\.");
        for (int i = 0; i < parts.length - 1; i++) {
            at = at.putObject(parts[i]);
        }
        at.set(parts[parts.length - 1], parsed);
        merge(tree, patch, "", "override " + override);
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                b.append('[').append(ref.getIndex()).append(']');
            }
        }
        return b.length() == 0 ? "(top level)" : b.toString();
    }

    private static <T> Iterable<T> iterable(Iterator<T> it) {
        return () -> it;
    }
}
