package dev.sluice.transform;

import dev.sluice.transform.internal.AppendNewlineStage;
import dev.sluice.transform.internal.Chain;
import dev.sluice.transform.internal.CloudWatchLogsStage;
import dev.sluice.transform.internal.CsvToJsonStage;
import dev.sluice.transform.internal.DelimitedDeaggregationStage;
import dev.sluice.transform.internal.EventTimeStage;
import dev.sluice.transform.internal.GzipStage;
import dev.sluice.transform.internal.JqFilterStage;
import dev.sluice.transform.internal.JsonDeaggregationStage;
import dev.sluice.transform.internal.JsonFieldsStage;
import dev.sluice.transform.internal.MaskStage;
import dev.sluice.transform.internal.MetadataExtractionStage;
import dev.sluice.transform.internal.RecordStage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A step of a processing configuration (Firehose's {@code ProcessingConfiguration.Processors}): a built-in
 * processor, a {@linkplain #lambda(TransformFunction) function}, or a {@linkplain #chain(Processor...) chain}
 * of them.
 *
 * <p>Thread-safety: immutable and thread-safe; one processor may serve many runners and threads at once.
 *
 * <p><b>Records in, records out.</b> Built-in processors work record by record and may turn one record into
 * zero records ({@code Dropped}), one, or several. The fan-out processors ({@link #cloudWatchLogs()},
 * {@link #deaggregateJson()}, {@link #deaggregateDelimited(String)}) give the {@code n}-th record split from
 * record {@code r} the id {@code r.n} (n from 0), so every output traces back to its input; a record they split
 * into nothing is {@code Dropped}. A {@linkplain #lambda(TransformFunction) function} keeps Firehose's strict
 * contract, exactly one result per record id, and sees the records the processors before it produced. A chain
 * holds at most one function, as in Firehose.
 *
 * <p><b>Bad input never throws.</b> A record a processor cannot handle becomes
 * {@link ProcessingResult.ProcessingFailed} with a record-level {@link ErrorCode} and a message that names the
 * record and the problem; later processors skip it and no other record is affected. Factories validate their
 * configuration and throw {@link TransformException} ({@link ErrorCode#INVALID_ARGUMENT}) at once.
 *
 * <p><b>Partition keys</b> added by {@link #metadataExtraction(Map)}, {@link #eventTime(String, String, Map)} or a
 * function's {@code Ok} accumulate on the record (a later key of the same name wins) and are reported in the
 * final {@code Ok}.
 *
 * <p>JSON processors expect each record to be exactly one UTF-8 JSON value (objects, for the field operations);
 * split concatenated records first.
 *
 * <pre>{@code
 * Processor chain = Processor.chain(
 *         Processor.maskFields("email", "phone"),
 *         Processor.filter(".level != \"debug\""),
 *         Processor.metadataExtraction(Map.of("customer_id", ".customer_id")),
 *         Processor.appendNewline());
 * ProcessingResponse response = chain.process(ProcessingRequest.of(records));
 * }</pre>
 */
public final class Processor {

    private final Chain chain;
    private final String description;

    private Processor(Chain chain, String description) {
        this.chain = chain;
        this.description = description;
    }

    // ----- JSON fields

    /**
     * Keeps only the named top-level fields of a JSON object, in the record's order (absent fields are
     * simply absent).
     *
     * @param fields the field names; at least one
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if no field is named or a name is blank
     */
    public static Processor projectFields(String... fields) {
        Set<String> names = names("projectFields", fields);
        return builtIn(JsonFieldsStage.project(names), "projectFields" + Arrays.toString(fields));
    }

    /**
     * Removes the named top-level fields of a JSON object.
     *
     * @param fields the field names; at least one
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if no field is named or a name is blank
     */
    public static Processor dropFields(String... fields) {
        Set<String> names = names("dropFields", fields);
        return builtIn(JsonFieldsStage.drop(names), "dropFields" + Arrays.toString(fields));
    }

    /**
     * Renames top-level fields of a JSON object, keeping their position and value; other fields are unchanged.
     *
     * @param oldToNew old name to new name; at least one entry
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if the map is empty or a name is blank
     */
    public static Processor renameFields(Map<String, String> oldToNew) {
        Objects.requireNonNull(oldToNew, "oldToNew");
        if (oldToNew.isEmpty()) {
            throw TransformException.invalidArgument("renameFields must rename at least one field but got {}");
        }
        oldToNew.forEach((from, to) -> {
            requireName("renameFields", from);
            requireName("renameFields", to);
        });
        return builtIn(JsonFieldsStage.rename(oldToNew), "renameFields" + oldToNew);
    }

    /**
     * Keeps JSON records for which a real JQ predicate yields a truthy value and drops those for which it
     * yields {@code false} or {@code null}; a predicate that errors or yields zero or several values fails the
     * record ({@link ErrorCode#FILTER_FAILED}).
     *
     * @param jqPredicate a JQ expression, for example {@code .level != "debug"}
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if the expression does not compile
     */
    public static Processor filter(String jqPredicate) {
        return builtIn(new JqFilterStage(jqPredicate), "filter[" + jqPredicate + "]");
    }

    // ----- PII

    /**
     * Replaces the value of every field with one of these names, at any depth, by {@code "****"} (a masked
     * object or array is replaced whole). Names match exactly.
     *
     * @param fields the field names; at least one
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if no field is named or a name is blank
     */
    public static Processor maskFields(String... fields) {
        Set<String> names = names("maskFields", fields);
        return builtIn(new MaskStage(names, List.of()), "maskFields" + Arrays.toString(fields));
    }

    /**
     * Replaces every match of these regular expressions inside any JSON string value (not field names) by
     * {@code "****"}; for example {@code [\w.+-]+@[\w-]+\.[\w.]+} for e-mail addresses.
     *
     * @param regexes {@link Pattern} syntax; at least one
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if none is given or one does not compile
     */
    public static Processor maskPatterns(String... regexes) {
        Objects.requireNonNull(regexes, "regexes");
        if (regexes.length == 0) {
            throw TransformException.invalidArgument("maskPatterns must name at least one pattern but got []");
        }
        List<Pattern> patterns = new ArrayList<>();
        for (String regex : regexes) {
            try {
                patterns.add(Pattern.compile(Objects.requireNonNull(regex, "regex")));
            } catch (PatternSyntaxException e) {
                throw new TransformException(ErrorCode.INVALID_ARGUMENT, "maskPatterns pattern '" + regex
                        + "' is not a valid regular expression: " + e.getDescription(), e);
            }
        }
        return builtIn(new MaskStage(Set.of(), patterns), "maskPatterns" + Arrays.toString(regexes));
    }

    // ----- formats

    /**
     * Converts CSV whose first line is the header into JSON: one object per data line (values as strings),
     * newline-delimited when a record holds several lines. A line with the wrong number of fields fails the
     * record ({@link ErrorCode#MALFORMED_CSV}); a record with a header and no data lines is dropped.
     *
     * @return the processor
     */
    public static Processor csvToJson() {
        return builtIn(new CsvToJsonStage(Optional.empty()), "csvToJson");
    }

    /**
     * Converts header-less CSV into JSON using the given column names; every line of a record is data.
     *
     * @param columns the column names, in order; at least one, no duplicates
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if the header is empty or repeats a name
     */
    public static Processor csvToJson(List<String> columns) {
        List<String> header = List.copyOf(columns);
        return builtIn(new CsvToJsonStage(Optional.of(header)), "csvToJson" + header);
    }

    /**
     * Firehose's {@code Decompression}: replaces gzip data by its decompressed bytes. Non-gzip, truncated or
     * corrupt data, or more than 16 MiB decompressed, fails the record ({@link ErrorCode#DECOMPRESSION_FAILED}).
     *
     * @return the processor
     */
    public static Processor decompressGzip() {
        return builtIn(new GzipStage(), "decompressGzip");
    }

    /**
     * Firehose's {@code CloudWatchLogProcessing}: unpacks a CloudWatch Logs subscription message (gzip or
     * plain JSON) into one record per log event,
     * {@code {"id","timestamp","message","owner","logGroup","logStream"}}, with ids {@code <recordId>.<n>}.
     * {@code CONTROL_MESSAGE} records are dropped; anything else fails
     * ({@link ErrorCode#MALFORMED_CLOUDWATCH_LOGS}).
     *
     * @return the fan-out processor
     */
    public static Processor cloudWatchLogs() {
        return builtIn(new CloudWatchLogsStage(), "cloudWatchLogs");
    }

    /**
     * Firehose's {@code RecordDeAggregation} for JSON: a record of concatenated JSON objects, back to back or
     * separated by whitespace or newlines, becomes one record per object (bytes unchanged), with ids
     * {@code <recordId>.<n>}. A non-object value or malformed JSON fails the record.
     *
     * @return the fan-out processor
     */
    public static Processor deaggregateJson() {
        return builtIn(new JsonDeaggregationStage(), "deaggregateJson");
    }

    /**
     * Firehose's {@code RecordDeAggregation} for delimited records: splits on {@code delimiter} into one record
     * per non-empty piece, with ids {@code <recordId>.<n>}. Pieces are not parsed.
     *
     * @param delimiter the separator, for example {@code "\n"} or {@code "####"}; not empty
     * @return the fan-out processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if the delimiter is empty
     */
    public static Processor deaggregateDelimited(String delimiter) {
        return builtIn(new DelimitedDeaggregationStage(delimiter), "deaggregateDelimited");
    }

    /**
     * Firehose's {@code AppendDelimiterToRecord}: appends {@code '\n'} to every record.
     *
     * @return the processor
     */
    public static Processor appendNewline() {
        return builtIn(new AppendNewlineStage(), "appendNewline");
    }

    // ----- metadata

    /**
     * Firehose's {@code MetadataExtraction}: partition keys from real JQ queries (jackson-jq, JQ 1.6) over the
     * JSON record, for example {@code {"customer_id": ".customer_id", "day": ".time[0:10]"}}. Each query must
     * yield exactly one string, number or boolean; otherwise the record fails
     * ({@link ErrorCode#METADATA_EXTRACTION_FAILED}). The data is unchanged.
     *
     * @param partitionKeyQueries key name to JQ query; at least one; iteration order is kept
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if empty, a key is blank or a query does
     *         not compile
     */
    public static Processor metadataExtraction(Map<String, String> partitionKeyQueries) {
        Objects.requireNonNull(partitionKeyQueries, "partitionKeyQueries");
        if (partitionKeyQueries.isEmpty()) {
            throw TransformException.invalidArgument("metadataExtraction must define at least one partition key but got {}");
        }
        partitionKeyQueries.keySet().forEach(key -> requireName("metadataExtraction", key));
        Map<String, String> queries = new LinkedHashMap<>(partitionKeyQueries);
        return builtIn(new MetadataExtractionStage(queries), "metadataExtraction" + queries);
    }

    /**
     * Firehose's {@code MetadataExtraction} configured as Firehose takes it: one {@code MetadataExtractionQuery},
     * a JQ object construction whose keys are the partition key names and whose values are the queries, for
     * example {@code {customer_id: .customer_id, "event day": .time[0:10]}}. Keys are identifiers or string
     * literals (quotes removed); {@code {name}} is short for {@code {name: .name}}. Otherwise as
     * {@link #metadataExtraction(Map)}.
     *
     * @param metadataExtractionQuery the JQ object construction
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if the query is not valid JQ (the message names
     *         the key and the JQ error), is not one object construction, defines no key or a key twice, or
     *         computes a key from the record
     */
    public static Processor metadataExtraction(String metadataExtractionQuery) {
        return metadataExtraction(MetadataExtractionStage.parseQuery(metadataExtractionQuery));
    }

    /**
     * Event-time partition keys: reads {@code field} (a name or dotted path) of the JSON record in
     * {@code format} and formats the instant in UTC with one {@link java.time.format.DateTimeFormatter} pattern
     * per key, for example {@code eventTime("ts", "iso8601", Map.of("dt", "yyyy-MM-dd", "hour", "HH"))}. A
     * missing or non-matching value fails the record ({@link ErrorCode#EVENT_TIME_EXTRACTION_FAILED}). The data
     * is unchanged.
     *
     * @param field the field name or dotted path
     * @param format {@code epoch_seconds}, {@code epoch_millis}, {@code iso8601} (no offset means UTC) or a
     *        {@code DateTimeFormatter} pattern with date and time, read in UTC
     * @param partitionKeyPatterns key name to output pattern; at least one; iteration order is kept
     * @return the processor
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if the field, format or a pattern is invalid
     */
    public static Processor eventTime(String field, String format, Map<String, String> partitionKeyPatterns) {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(partitionKeyPatterns, "partitionKeyPatterns");
        partitionKeyPatterns.keySet().forEach(key -> requireName("eventTime", key));
        Map<String, String> patterns = new LinkedHashMap<>(partitionKeyPatterns);
        return builtIn(new EventTimeStage(field, format, patterns), "eventTime[" + field + "]");
    }

    // ----- functions and composition

    /**
     * Firehose's {@code Lambda} processor: a function with the strict one-result-per-record-id contract. In a
     * {@link TransformRunner} it runs with the invocation timeout and retries; in {@link #process} it is called
     * once on the caller's thread.
     *
     * @param function the function; not {@code null}
     * @return the processor
     */
    public static Processor lambda(TransformFunction function) {
        return new Processor(Chain.of(function), "lambda");
    }

    /**
     * Runs processors in order; nested chains are flattened.
     *
     * @param processors the steps; at least one
     * @return the chain
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if empty or if more than one step is a
     *         {@linkplain #lambda(TransformFunction) lambda}
     */
    public static Processor chain(Processor... processors) {
        Objects.requireNonNull(processors, "processors");
        return chain(Arrays.asList(processors));
    }

    /**
     * Runs processors in order; nested chains are flattened.
     *
     * @param processors the steps; at least one
     * @return the chain
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if empty or if more than one step is a
     *         {@linkplain #lambda(TransformFunction) lambda}
     */
    public static Processor chain(List<Processor> processors) {
        Objects.requireNonNull(processors, "processors");
        if (processors.isEmpty()) {
            throw TransformException.invalidArgument("chain must contain at least one processor but got []");
        }
        List<Chain> chains = new ArrayList<>(processors.size());
        List<String> descriptions = new ArrayList<>(processors.size());
        for (Processor processor : processors) {
            Objects.requireNonNull(processor, "processor");
            chains.add(processor.chain);
            descriptions.add(processor.description);
        }
        return new Processor(Chain.concat(chains), String.join(" -> ", descriptions));
    }

    /**
     * Processes a batch on the calling thread, without buffering, timeout or retries (use a
     * {@link TransformRunner} for those). A function in the chain is called once; if that call fails, every
     * record it was given fails with the invocation's {@link ErrorCode}.
     *
     * @param request the records; not {@code null}
     * @return the results in input order; a record split by a fan-out processor is represented by the results
     *         of its derived records ({@code <recordId>.<n>})
     */
    public ProcessingResponse process(ProcessingRequest request) {
        Objects.requireNonNull(request, "request");
        return chain.process(request);
    }

    Chain internalChain() {
        return chain;
    }

    /**
     * Describes the steps, for logs.
     *
     * @return a description such as {@code maskFields[email] -> filter[.level != "debug"]}
     */
    @Override
    public String toString() {
        return description;
    }

    private static Processor builtIn(RecordStage stage, String description) {
        return new Processor(Chain.of(stage), description);
    }

    private static Set<String> names(String what, String[] fields) {
        Objects.requireNonNull(fields, "fields");
        if (fields.length == 0) {
            throw TransformException.invalidArgument(what + " must name at least one field but got []");
        }
        for (String field : fields) {
            requireName(what, field);
        }
        return Set.copyOf(Arrays.asList(fields));
    }

    private static void requireName(String what, String name) {
        Objects.requireNonNull(name, what + " name");
        if (name.isBlank()) {
            throw TransformException.invalidArgument(what + " names must not be blank but got '" + name + "'");
        }
    }
}
