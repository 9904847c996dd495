package dev.hpa.adapter.api;

/**
 * Kubernetes Quantity strings from milli-units, in the canonical form Go would print ("1500m", "12", "0").
 * The HPA reads {@code MilliValue()}, so milli precision is all it can use.
 */
public final class Quantities {

    private Quantities() {}

    public static String milli(long milliValue) {
        return milliValue % 1000 == 0 ? Long.toString(milliValue / 1000) : milliValue + "m";
    }
}
