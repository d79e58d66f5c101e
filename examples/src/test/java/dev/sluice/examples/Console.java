package dev.sluice.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs an example with {@code System.out} captured (and still echoed), for its smoke test to read. */
public final class Console {

    /** An example's entry point. */
    @FunctionalInterface
    public interface Example {
        boolean run() throws Exception;
    }

    /** What an example printed and whether it reported success. */
    public record Output(boolean succeeded, String text) {
    }

    private Console() {
    }

    public static synchronized Output capture(Example example) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                captured.write(b);
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                original.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setOut(tee);
        try {
            boolean succeeded = example.run();
            tee.flush();
            return new Output(succeeded, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }
}
