package dev.hpa.adapter.testing;

import java.math.BigDecimal;

/**
 * Writes a Prometheus text (0.0.4) or OpenMetrics page the way one exposition library does: its number
 * spelling, its label order, its histogram sample order. Real pages differ in exactly these details, and a
 * parser tested against one spelling only breaks on the next server.
 */
final class TextPage {
    /** How each exposition library spells a double. */
    enum Numbers {
        /** Java simpleclient (TorchServe): {@code Double.toString}: 3.0, 1.2345678E7. */
        JAVA,
        /** Python prometheus_client: repr, then Go-style exponent when over 6 integer digits: 3.0, 1.7248e+09. */
        PYTHON,
        /** Go client ({@code strconv 'g', -1}): 3, 0.412, 1.2345678e+07. */
        GO,
        /** Rust Display / C++ shortest (TGI, Triton): 3, 0.412, 12345678. */
        PLAIN
    }

    private final StringBuilder out = new StringBuilder(16 * 1024);
    private final Numbers numbers;
    private final boolean openMetrics;
    private final String corrupted;

    /**
     * @param corrupted a sample name whose values are written as {@code abc} (the garbage switch), or null
     */
    TextPage(Numbers numbers, boolean openMetrics, String corrupted) {
        this.numbers = numbers;
        this.openMetrics = openMetrics;
        this.corrupted = corrupted;
    }

    /** HELP (when help is not null) and TYPE lines of one family. */
    TextPage family(String name, String type, String help) {
        if (help != null) {
            out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        }
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /**
     * A counter family, named as the format wants it: the sample name ({@code base_total}) in 0.0.4 text,
     * the bare {@code base} in OpenMetrics, whose samples still end in {@code _total}.
     */
    TextPage counterFamily(String base, String help) {
        return family(openMetrics ? base : base + "_total", "counter", help);
    }

    /** One sample with the exposition's own timestamp in milliseconds, as the kubelet writes its stats time. */
    TextPage sample(String name, String labels, double value, long timestampMillis) {
        sample(name, labels, value);
        out.setLength(out.length() - 1); // after the value, before the newline
        out.append(' ').append(timestampMillis).append('\n');
        return this;
    }

    /** One sample; {@code labels} is the text between the braces ("" for none), written as given. */
    TextPage sample(String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(name.equals(corrupted) ? "abc" : number(value)).append('\n');
        return this;
    }

    TextPage blankLine() {
        out.append('\n');
        return this;
    }

    /**
     * A histogram's samples: buckets with {@code le} after the other labels, then _count/_sum in the
     * library's order (Python writes _count first, Go and Rust _sum first).
     */
    TextPage histogramSamples(String name, String labels, Histogram h, boolean countFirst) {
        String prefix = labels.isEmpty() ? "" : labels + ",";
        double[] bounds = h.bounds();
        for (int i = 0; i < bounds.length; i++) {
            sample(name + "_bucket", prefix + "le=\"" + number(bounds[i]) + "\"", h.cumulative(i));
        }
        sample(name + "_bucket", prefix + "le=\"+Inf\"", h.count());
        if (countFirst) {
            sample(name + "_count", labels, h.count());
            sample(name + "_sum", labels, h.sum());
        } else {
            sample(name + "_sum", labels, h.sum());
            sample(name + "_count", labels, h.count());
        }
        return this;
    }

    boolean openMetrics() {
        return openMetrics;
    }

    String finish() {
        if (openMetrics) {
            out.append("# EOF\n");
        }
        return out.toString();
    }

    String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return switch (numbers) {
            case JAVA -> Double.toString(v);
            case PYTHON -> python(v);
            case GO -> go(v);
            case PLAIN -> shortest(v).toPlainString();
        };
    }

    /** prometheus_client floatToGoString: Python repr, but "Go switches to exponents sooner than Python". */
    private static String python(double v) {
        String s = pythonRepr(v);
        int dot = s.indexOf('.');
        if (v > 0 && dot > 6) {
            String mantissa = stripTrailing(s.charAt(0) + "." + s.substring(1, dot) + s.substring(dot + 1), "0.");
            return mantissa + "e+0" + (dot - 1); // sic: "e+010" from 1e10 on, as prometheus_client writes it
        }
        return s;
    }

    private static String pythonRepr(double v) {
        BigDecimal d = shortest(v);
        int exp = exponent(d);
        if (v != 0 && (exp < -4 || exp >= 16)) {
            return scientific(d);
        }
        String plain = d.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }

    private static String go(double v) {
        BigDecimal d = shortest(v);
        int exp = exponent(d);
        // strconv 'g' with shortest precision switches to an exponent from 1e6 on, hence 1.7e+09 uptimes
        return v != 0 && (exp < -4 || exp >= 6) ? scientific(d) : d.toPlainString();
    }

    /** The shortest decimal that reads back as v (as Double.toString finds it). */
    private static BigDecimal shortest(double v) {
        BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0) : d;
    }

    /** Decimal exponent of the first significant digit. */
    private static int exponent(BigDecimal d) {
        return d.precision() - d.scale() - 1;
    }

    /** d.ddde±XX with at least two exponent digits, as both Go and Python write it. */
    private static String scientific(BigDecimal d) {
        String digits = d.unscaledValue().abs().toString().replaceAll("0+$", "");
        int exp = exponent(d);
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String sign = d.signum() < 0 ? "-" : "";
        return sign + mantissa + (exp < 0 ? "e-" : "e+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    private static String stripTrailing(String s, String chars) {
        int end = s.length();
        while (end > 0 && chars.indexOf(s.charAt(end - 1)) >= 0) {
            end--;
        }
        return s.substring(0, end);
    }
}
