package io.streamcell.fuzz;

/**
 * The contract every harness in this package checks (docs/security.md "Fuzzing"): a parser given
 * arbitrary input either returns a valid result or throws the one exception type it documents, with
 * a message that names the input and says what is wrong. Anything else escaping the parser (an
 * {@code IllegalArgumentException}, {@code NullPointerException}, {@code ArrayIndexOutOfBoundsException},
 * {@code NegativeArraySizeException}, a raw Jackson or Avro exception, {@code OutOfMemoryError},
 * {@code StackOverflowError}) is not caught by the harness, so Jazzer reports it as a finding.
 *
 * <p>A harness catches exactly its parser's documented type and hands it to {@link #documented},
 * checks a result's invariants with {@link #check}, and bounds time with a JUnit {@code @Timeout}
 * (Jazzer turns it into libFuzzer's per-input timeout when fuzzing).
 *
 * <p>To add a harness for another parser: a {@code FooFuzzTest} class here with one
 * {@code @FuzzTest} method, seeds in {@code src/test/resources/io/streamcell/fuzz/FooFuzzTestInputs/<method>/},
 * and a row in docs/security.md. The {@code fuzz} Maven profile picks it up by its name.
 */
final class FuzzContract {
    /** Longer messages are not "clear": they usually echo the whole bad input. */
    static final int MAX_MESSAGE_CHARS = 4000;

    private FuzzContract() {}

    /** A documented rejection: its message must name {@code source} and stay readable. */
    static void documented(RuntimeException e, String source) {
        String message = e.getMessage();
        check(message != null && !message.isBlank(), "a " + e.getClass().getSimpleName() + " without a message", e);
        check(message.contains(source), "the message does not name the input '" + source + "': " + message, e);
        if (message.length() > MAX_MESSAGE_CHARS) {
            check(false, "a " + message.length() + "-char message: " + message.substring(0, 200) + "...", e);
        }
    }

    /** An invariant of an accepted input. */
    static void check(boolean condition, String what) {
        check(condition, what, null);
    }

    private static void check(boolean condition, String what, Throwable cause) {
        if (!condition) {
            throw new FuzzContractViolation(what, cause);
        }
    }

    /** Thrown by a harness when the contract is broken; Jazzer reports it with the input. */
    static final class FuzzContractViolation extends AssertionError {
        private static final long serialVersionUID = 1L;

        FuzzContractViolation(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
