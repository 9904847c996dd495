package dev.hpa.adapter.api;

/**
 * Kubernetes Quantity strings in the canonical form Go's {@code resource.Quantity.String()} prints, so that our
 * answers read and diff like kube's: custom metrics in milli-units ("1500m", "12", "0"), CPU in cores from
 * nanocores ("250m", "12345678n", "2"), memory in bytes with binary suffixes ("12257Ki", "4Gi", "512").
 */
public final class Quantities {

    private static final String[] DECIMAL_SUFFIXES = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    private static final String[] BINARY_SUFFIXES = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    private Quantities() {}

    /** The HPA reads {@code MilliValue()}, so milli precision is all a custom metric can use. */
    public static String milli(long milliValue) {
        return decimal(milliValue, -3);
    }

    /** A value in billionths, as metrics-server writes CPU ({@code NewScaledQuantity(nanocores, -9)}). */
    public static String nano(long nanoValue) {
        return decimal(nanoValue, -9);
    }

    /**
     * Go drops every factor of ten from the mantissa, then lowers the exponent to a multiple of three for the
     * suffix: 250000000n is "250m", 1500000000n is "1500m".
     */
    private static String decimal(long mantissa, int exponent) {
        if (mantissa == 0) {
            return "0";
        }
        while (mantissa % 10 == 0) {
            mantissa /= 10;
            exponent++;
        }
        while (Math.floorMod(exponent, 3) != 0) {
            mantissa *= 10;
            exponent--;
        }
        return mantissa + DECIMAL_SUFFIXES[exponent / 3 + 3];
    }

    /** Bytes as {@code resource.NewQuantity(bytes, BinarySI)} prints them; under 1024 they print as plain numbers. */
    public static String bytes(long bytes) {
        if (bytes > -1024 && bytes < 1024) {
            return Long.toString(bytes);
        }
        int exponent = 0;
        while (bytes % 1024 == 0 && exponent < BINARY_SUFFIXES.length - 1) {
            bytes /= 1024;
            exponent++;
        }
        return bytes + BINARY_SUFFIXES[exponent];
    }
}
