package dev.sluice.stream;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a JVM with this test run's class path, for tests that need a fresh JVM or a process to kill. */
final class ChildJvm {

    private ChildJvm() {
    }

    /** The flags this JVM was given for Chronicle (surefire's argLine). */
    static List<String> chronicleFlags() {
        List<String> flags = new ArrayList<>();
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--add-exports") || argument.startsWith("--add-opens")
                    || argument.startsWith("--enable-native-access") || argument.startsWith("--sun-misc-unsafe-memory-access")) {
                flags.add(argument);
            }
        }
        return flags;
    }

    /**
     * Starts {@code mainClass} with {@code jvmOptions}, its output going to {@code output}.
     *
     * @return the running process
     */
    static Process start(List<String> jvmOptions, Class<?> mainClass, List<String> arguments, Path output) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(mainClass.getName());
        command.addAll(arguments);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }
}
