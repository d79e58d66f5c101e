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
 *     [--cds FILE] [--label TEXT]</pre>
 * {@code --cp} runs the probe on another class path (an older build, with a directory holding the probe class);
 * {@code --cds FILE} runs with an application class-data-sharing archive: written by one extra JVM with
 * {@code -XX:ArchiveClassesAtExit=FILE} if it does not exist, then used with {@code -XX:SharedArchiveFile=FILE}.
 */
public final class FirstStartHarness {

    private FirstStartHarness() {
    }

    /**
     * Runs the JVMs and prints the medians.
     *
     * @param args {@code --jvms N --cp CLASSPATH --cds FILE --label TEXT}
     * @throws Exception if a JVM fails
     */
    public static void main(String[] args) throws Exception {
        int jvms = 11;
        String classPath = System.getProperty("java.class.path");
        String cds = null;
        String label = "sluice";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--jvms" -> jvms = Integer.parseInt(args[i + 1]);
                case "--cp" -> classPath = args[i + 1];
                case "--cds" -> cds = args[i + 1];
                case "--label" -> label = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --jvms N --cp CLASSPATH --cds FILE --label TEXT)");
            }
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> flags = new ArrayList<>();
        if (cds != null) {
            if (!Files.exists(Path.of(cds))) {
                run(java, classPath, List.of("-XX:ArchiveClassesAtExit=" + cds));
            }
            flags.add("-XX:SharedArchiveFile=" + cds);
        }
        Map<String, long[]> samples = new LinkedHashMap<>();
        for (int j = 0; j < jvms; j++) {
            for (String field : run(java, classPath, flags).split(" ")) {
                String[] kv = field.split("=");
                if (kv.length == 2) {
                    samples.computeIfAbsent(kv[0], k -> new long[0]);
                    long[] old = samples.get(kv[0]);
                    long[] grown = Arrays.copyOf(old, old.length + 1);
                    grown[old.length] = Long.parseLong(kv[1]);
                    samples.put(kv[0], grown);
                }
            }
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-28s %2d JVMs, ms median [min-max]:", label, jvms));
        for (Map.Entry<String, long[]> e : samples.entrySet()) {
            long[] v = e.getValue();
            Arrays.sort(v);
            line.append(String.format(Locale.ROOT, "  %s %.1f [%.1f-%.1f]", e.getKey(), v[v.length / 2] / 1e6, v[0] / 1e6,
                    v[v.length - 1] / 1e6));
        }
        System.out.println(line);
    }

    /** One fresh JVM running the probe; returns its result line. */
    private static String run(String java, String classPath, List<String> flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(flags);
        command.addAll(List.of("-Xshare:auto", "-cp", classPath, FirstStartProbe.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        StringBuilder output = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.append(line).append('\n');
                if (line.startsWith("first-start ")) {
                    result = line.substring("first-start ".length());
                }
            }
        }
        if (process.waitFor() != 0 || result == null) {
            throw new IllegalStateException("probe JVM failed: " + command + "\n" + output);
        }
        return result;
    }
}
