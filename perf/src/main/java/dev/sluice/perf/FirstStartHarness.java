package dev.sluice.perf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * First start of the embedded engine: {@link FirstStartProbe} in a fresh JVM per sample (build, createStream, put,
 * first record read back, then a second engine), medians and spread over the JVMs.
 *
 * <pre>java -cp perf/target/sluice-perf.jar dev.sluice.perf.FirstStartHarness [--jvms 11] [--cp CLASSPATH]
 *     [--baseline-cp CLASSPATH] [--cds FILE] [--label TEXT]</pre>
 * {@code --cp} runs the probe on another class path than the harness's own; {@code --baseline-cp} adds a second
 * class path (an older build, with a jar or directory holding the probe class first), run alternately with the first,
 * one JVM of each case per round, so both see the same load. {@code --cds FILE} adds, for each class path, a case with
 * an application class-data-sharing archive: a training JVM writes it with {@code -XX:ArchiveClassesAtExit} at the
 * start of the run (always anew, so a stale archive, which the JVM would ignore, is never measured), then the measured
 * JVMs use it with {@code -XX:SharedArchiveFile}; the baseline's archive is FILE with {@code .baseline} added. Cases
 * without an archive are always reported too. The JVM's own default archive of JDK classes is on in every case.
 */
public final class FirstStartHarness {

    /** One way of starting the probe: a class path and JVM flags. */
    private record Case(String label, String classPath, List<String> flags, Map<String, long[]> samples) {
    }

    private FirstStartHarness() {
    }

    /**
     * Runs the JVMs and prints the medians.
     *
     * @param args {@code --jvms N --cp CLASSPATH --baseline-cp CLASSPATH --cds FILE --label TEXT}
     * @throws Exception if a JVM fails
     */
    public static void main(String[] args) throws Exception {
        int jvms = 11;
        String classPath = System.getProperty("java.class.path");
        String baseline = null;
        String cds = null;
        String label = "sluice";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--jvms" -> jvms = Integer.parseInt(args[i + 1]);
                case "--cp" -> classPath = args[i + 1];
                case "--baseline-cp" -> baseline = args[i + 1];
                case "--cds" -> cds = args[i + 1];
                case "--label" -> label = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --jvms N --cp CLASSPATH --baseline-cp CLASSPATH --cds FILE --label TEXT)");
            }
        }
        if (jvms < 1) {
            throw new IllegalArgumentException("--jvms must be >= 1 but was " + jvms);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Case> cases = new ArrayList<>();
        if (baseline != null) {
            addCases(cases, java, "baseline", baseline, cds == null ? null : cds + ".baseline");
        }
        addCases(cases, java, label, classPath, cds);
        for (int j = 0; j < jvms; j++) {
            for (Case c : cases) {
                record(c.samples(), run(java, c.classPath(), c.flags()));
            }
        }
        System.out.printf(Locale.ROOT, "%d JVMs per case, alternating; ms median [min-max]; load average %s%n", jvms,
                loadAverage());
        for (Case c : cases) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-26s", c.label()));
            for (Map.Entry<String, long[]> e : c.samples().entrySet()) {
                long[] v = e.getValue();
                Arrays.sort(v);
                line.append(String.format(Locale.ROOT, "  %s %.1f [%.1f-%.1f]", e.getKey(), v[v.length / 2] / 1e6, v[0] / 1e6,
                        v[v.length - 1] / 1e6));
            }
            System.out.println(line);
        }
    }

    /** The case of a class path, and with {@code archive} also one with an archive written by a training JVM now. */
    private static void addCases(List<Case> cases, String java, String label, String classPath, String archive)
            throws IOException, InterruptedException {
        cases.add(new Case(label, classPath, List.of(), new LinkedHashMap<>()));
        if (archive != null) {
            Files.deleteIfExists(Path.of(archive));
            run(java, classPath, List.of("-XX:ArchiveClassesAtExit=" + archive));
            if (!Files.exists(Path.of(archive))) {
                throw new IllegalStateException("the training JVM wrote no archive " + archive);
            }
            cases.add(new Case(label + " +AppCDS", classPath, List.of("-XX:SharedArchiveFile=" + archive), new LinkedHashMap<>()));
        }
    }

    private static void record(Map<String, long[]> samples, String result) {
        for (String field : result.split(" ")) {
            String[] kv = field.split("=");
            if (kv.length == 2) {
                long[] old = samples.getOrDefault(kv[0], new long[0]);
                long[] grown = Arrays.copyOf(old, old.length + 1);
                grown[old.length] = Long.parseLong(kv[1]);
                samples.put(kv[0], grown);
            }
        }
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * One fresh JVM running the probe; returns its result line. Fails if the JVM warns about its archive (a mismatched
     * archive would silently be measured as no archive).
     */
    private static String run(String java, String classPath, List<String> flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(flags);
        command.addAll(List.of("-Xshare:auto", "-cp", classPath, FirstStartProbe.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        boolean measuredWithArchive = flags.stream().anyMatch(f -> f.startsWith("-XX:SharedArchiveFile="));
        boolean archiveWarning = false;
        StringBuilder output = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.append(line).append('\n');
                if (line.startsWith("first-start ")) {
                    result = line.substring("first-start ".length());
                } else if (measuredWithArchive && (line.contains("[cds]") || line.contains("shared archive"))) {
                    archiveWarning = true;
                }
            }
        }
        if (process.waitFor() != 0 || result == null || archiveWarning) {
            throw new IllegalStateException("probe JVM failed" + (archiveWarning ? " or could not use its archive" : "")
                    + ": " + command + "\n" + output);
        }
        return result;
    }
}
