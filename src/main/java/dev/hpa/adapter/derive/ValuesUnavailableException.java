package dev.hpa.adapter.derive;

/**
 * The source of values could not answer at all (the engine is down, slow, refuses us or answers nonsense): the
 * request fails with a 503 Status naming the problem, and the HPA keeps its current scale for that sync.
 */
public final class ValuesUnavailableException extends RuntimeException {

    public ValuesUnavailableException(String message) {
        super(message, null, false, false);
    }
}
