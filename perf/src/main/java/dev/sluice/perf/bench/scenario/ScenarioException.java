package dev.sluice.perf.bench.scenario;

/**
 * A scenario file, preset or override that cannot be used; the message names the field, the limit and the value.
 */
public final class ScenarioException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the field
     */
    public ScenarioException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the field
     * @param cause   the parser's error
     */
    public ScenarioException(String message, Throwable cause) {
        super(message, cause);
    }
}
