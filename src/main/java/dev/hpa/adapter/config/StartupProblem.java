package dev.hpa.adapter.config;

import java.util.List;

/**
 * A reason the adapter cannot start that a person can fix: what failed and what to grant or set, one line per
 * problem. {@code StartupProblemFilter} prints these lines instead of Quarkus's stack trace (kept at debug level).
 */
public class StartupProblem extends RuntimeException {

    private final List<String> problems;

    public StartupProblem(String problem) {
        this(List.of(problem), null);
    }

    public StartupProblem(String problem, Throwable cause) {
        this(List.of(problem), cause);
    }

    public StartupProblem(List<String> problems, Throwable cause) {
        super(String.join("; ", problems), cause);
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
