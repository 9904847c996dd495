package dev.hpa.adapter.api;

/**
 * A duration as Go's {@code time.Duration.String()} prints it, which is how metrics.k8s.io writes {@code window}:
 * "15.012s", "1m0s", "500ms", "0s" (never ISO-8601's "PT15S", which kubectl and the HPA cannot read).
 */
final class GoDuration {

    private GoDuration() {}

    static String ofMillis(long millis) {
        if (millis == 0) {
            return "0s";
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        StringBuilder out = new StringBuilder();
        long hours = millis / 3_600_000;
        long minutes = millis / 60_000 % 60;
        long seconds = millis / 1000 % 60;
        long fraction = millis % 1000;
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            out.append(minutes).append('m');
        }
        out.append(seconds);
        if (fraction > 0) {
            String digits = String.format("%03d", fraction);
            out.append('.').append(digits.replaceAll("0+$", ""));
        }
        return out.append('s').toString();
    }
}
