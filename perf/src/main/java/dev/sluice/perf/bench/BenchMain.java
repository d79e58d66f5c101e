package dev.sluice.perf.bench;

import dev.sluice.perf.bench.measure.KafkaMeasurement;
import dev.sluice.perf.bench.measure.Measurement;
import dev.sluice.perf.bench.reporting.Figures;
import dev.sluice.perf.bench.reporting.HtmlReport;
import dev.sluice.perf.bench.reporting.RunResult;
import dev.sluice.perf.bench.reporting.TextReport;
import dev.sluice.perf.bench.scenario.ScenarioException;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import dev.sluice.perf.bench.sim.Simulation;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code sluice-bench}: runs a scenario (measured on this machine or simulated on a virtual clock) and writes
 * {@code report.txt}, {@code result.json}, {@code report.html} and the effective {@code scenario.yaml}; or compares
 * result files side by side.
 *
 * <p>Design note: the command line is parsed here by hand rather than with picocli: it has two commands and a
 * dozen options, and "override any field" is one generic {@code --set path=value} that goes straight into the
 * scenario tree (where unknown paths get the same error as in a file), which a declarative option parser would not
 * validate for us. That keeps the shaded jar free of one more dependency.
 */
public final class BenchMain {

    private BenchMain() {
    }

    /**
     * Entry point; exits 0 on success, 2 on a usage or scenario error, 1 on a run failure.
     *
     * @param args see {@link #usage()}
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs the command line without exiting, for tests.
     *
     * @param args the arguments
     * @param out  where reports and progress go
     * @param err  where errors go
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            return dispatch(args, out);
        } catch (ScenarioException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println("run with --help for the options");
            return 2;
        } catch (IOException e) {
            err.println("error: " + e);
            return 1;
        }
    }

    private static int dispatch(String[] args, PrintStream out) throws IOException {
        if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) {
            out.print(usage());
            return 0;
        }
        String command = args[0];
        switch (command) {
            case "run", "simulate", "measure" -> {
                return runCommand(command, args, out);
            }
            case "compare" -> {
                return compareCommand(args, out);
            }
            case "presets" -> {
                for (Map.Entry<String, String> e : ScenarioLoader.presetDescriptions().entrySet()) {
                    out.println(e.getKey() + ": " + e.getValue());
                }
                return 0;
            }
            default -> throw new IllegalArgumentException("unknown command '" + command
                    + "'; commands: run, simulate, measure, compare, presets");
        }
    }

    private static int runCommand(String command, String[] args, PrintStream out) throws IOException {
        String preset = null;
        Path file = null;
        String mode = command.equals("run") ? "measure" : command;
        Path outDir = Path.of("report");
        boolean printScenario = false;
        String kafka = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    out.print(usage());
                    return 0;
                }
                case "--print-scenario" -> printScenario = true;
                case "--kafka" -> kafka = value(args, ++i, a);
                case "--preset" -> preset = value(args, ++i, a);
                case "--scenario" -> file = Path.of(value(args, ++i, a));
                case "--mode" -> mode = value(args, ++i, a);
                case "--out" -> outDir = Path.of(value(args, ++i, a));
                case "--set" -> overrides.add(value(args, ++i, a));
                case "--shards" -> overrides.add("stream.shards=" + value(args, ++i, a));
                case "--rate" -> overrides.add("producers.ratePerSecond=" + value(args, ++i, a));
                case "--duration" -> overrides.add("run.duration=" + value(args, ++i, a));
                case "--warmup" -> overrides.add("run.warmup=" + value(args, ++i, a));
                case "--seed" -> overrides.add("run.seed=" + value(args, ++i, a));
                case "--repeats" -> overrides.add("run.repeats=" + value(args, ++i, a));
                case "--sweep" -> overrides.add("run.sweepShards=" + value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if ((preset == null) == (file == null)) {
            throw new IllegalArgumentException("give exactly one of --preset NAME or --scenario FILE");
        }
        if (!mode.equals("measure") && !mode.equals("simulate")) {
            throw new IllegalArgumentException("--mode must be measure or simulate but was " + mode);
        }
        ScenarioLoader.Loaded loaded = preset != null ? ScenarioLoader.preset(preset, overrides)
                : ScenarioLoader.file(file, overrides);
        if (printScenario) {
            out.print(ScenarioLoader.toYaml(loaded.effective()));
            return 0;
        }
        Files.createDirectories(outDir);
        if (kafka != null) {
            if (!mode.equals("measure")) {
                throw new IllegalArgumentException("--kafka needs measure mode but the mode was " + mode);
            }
            Progress kafkaProgress = new Progress(out);
            String report = new KafkaMeasurement(loaded, outDir, kafka, kafkaProgress::update).run();
            kafkaProgress.done();
            out.print(report);
            out.println("wrote " + outDir.resolve("kafka-report.txt"));
            return 0;
        }
        RunResult.Environment env = Figures.environment(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        Progress progress = new Progress(out);
        RunResult result = mode.equals("simulate")
                ? new Simulation(loaded, progress::update).run(env)
                : new Measurement(loaded, outDir, progress::update).run(env);
        progress.done();
        write(outDir, result);
        Files.writeString(outDir.resolve("scenario.yaml"), ScenarioLoader.toYaml(loaded.effective()), StandardCharsets.UTF_8);
        out.print(TextReport.render(result));
        out.println();
        out.println("wrote " + outDir.resolve("report.txt") + ", " + outDir.resolve("result.json") + ", "
                + outDir.resolve("report.html") + ", " + outDir.resolve("scenario.yaml"));
        return 0;
    }

    /**
     * Writes the three report files of one result.
     *
     * @param outDir the directory
     * @param result the result
     * @throws IOException if a file cannot be written
     */
    public static void write(Path outDir, RunResult result) throws IOException {
        result.write(outDir.resolve("result.json"));
        Files.writeString(outDir.resolve("report.txt"), TextReport.render(result), StandardCharsets.UTF_8);
        Files.writeString(outDir.resolve("report.html"), HtmlReport.render(List.of(result), List.of(result.scenario().name())),
                StandardCharsets.UTF_8);
    }

    private static int compareCommand(String[] args, PrintStream out) throws IOException {
        List<Path> files = new ArrayList<>();
        Path outDir = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--out")) {
                outDir = Path.of(value(args, ++i, "--out"));
            } else if (args[i].startsWith("--")) {
                throw new IllegalArgumentException("unknown option '" + args[i] + "' for compare");
            } else {
                files.add(Path.of(args[i]));
            }
        }
        if (files.size() < 2) {
            throw new IllegalArgumentException("compare needs two or more result.json files but got " + files.size());
        }
        List<RunResult> results = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path f : files) {
            Path json = Files.isDirectory(f) ? f.resolve("result.json") : f;
            try {
                results.add(RunResult.read(json));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read result file " + json + ": " + e.getMessage(), e);
            }
            names.add(json.toString());
        }
        String text = TextReport.compare(results, names);
        out.print(text);
        if (outDir != null) {
            Files.createDirectories(outDir);
            Files.writeString(outDir.resolve("compare.txt"), text, StandardCharsets.UTF_8);
            Files.writeString(outDir.resolve("compare.html"), HtmlReport.render(results, names), StandardCharsets.UTF_8);
            out.println("wrote " + outDir.resolve("compare.txt") + ", " + outDir.resolve("compare.html"));
        }
        return 0;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /**
     * The {@code --help} text: commands, options, presets and every settable field with its default.
     *
     * @return the text
     */
    public static String usage() {
        StringBuilder b = new StringBuilder();
        b.append("""
                sluice-bench: benchmark and capacity-plan a Sluice ingestion design.

                usage:
                  sluice-bench run      (--preset NAME | --scenario FILE) [--mode measure|simulate] [options]
                  sluice-bench simulate (--preset NAME | --scenario FILE) [options]    same as run --mode simulate
                  sluice-bench compare  RESULT.json RESULT.json [...] [--out DIR]     side by side, ratios to the first
                  sluice-bench presets                                                 list presets

                modes:
                  measure   runs the design for real on this machine (wall clock); default for `run`
                  simulate  runs it on a virtual clock: hours of traffic against the Kinesis limits and the Firehose
                            buffering rule in seconds; every figure is marked simulated

                options:
                  --out DIR            where report.txt, result.json, report.html, scenario.yaml go (default report/)
                  --set PATH=VALUE     override any scenario field, e.g. --set stream.shards=8 --set run.duration=PT1H
                  --shards N           = --set stream.shards=N
                  --rate R             = --set producers.ratePerSecond=R
                  --duration D         = --set run.duration=D (ISO-8601, e.g. PT30S, PT24H)
                  --warmup D           = --set run.warmup=D
                  --seed S             = --set run.seed=S
                  --repeats N          = --set run.repeats=N (measure: spread between repeats)
                  --sweep N            = --set run.sweepShards=N (simulate: throttled share for 1..N shards)
                  --print-scenario     print the effective scenario (defaults + file + overrides) and exit
                  --kafka HOST:PORT    measure: producers send to a new topic on that Kafka cluster and the delivery
                                       reads it with the Kafka source (kafka-report.txt: rates, send->ack and
                                       send->committed-object latency, reconciliation)

                presets:
                """);
        for (Map.Entry<String, String> e : ScenarioLoader.presetDescriptions().entrySet()) {
            b.append("  ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        b.append("\nscenario fields (defaults):\n");
        for (String f : ScenarioLoader.fieldPaths()) {
            b.append("  ").append(f).append('\n');
        }
        return b.toString();
    }

    /** The live progress line: rewritten in place on a terminal, one line per update otherwise. */
    private static final class Progress {
        private final PrintStream out;
        private final boolean terminal = System.console() != null;
        private boolean wrote;

        Progress(PrintStream out) {
            this.out = out;
        }

        synchronized void update(String line) {
            if (terminal) {
                out.print("\r" + line + "   ");
            } else {
                out.println(line);
            }
            out.flush();
            wrote = true;
        }

        synchronized void done() {
            if (wrote && terminal) {
                out.println();
            }
        }
    }
}
