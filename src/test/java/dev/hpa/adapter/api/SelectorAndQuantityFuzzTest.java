package dev.hpa.adapter.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hpa.adapter.pods.PodKey;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Coverage-guided fuzzing of what the API reads from callers ({@code fieldSelector}) and of the strings it writes
 * that Go must read back exactly (Quantity, Duration).
 */
class SelectorAndQuantityFuzzTest {

    private static final Pattern CANONICAL_QUANTITY = Pattern.compile("(-?[1-9][0-9]*|0)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|)");
    private static final Pattern GO_DURATION = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(\\d+)(?:\\.(\\d{1,3}))?s");

    /** Any text is a predicate or a 400 {@link ApiException}; nothing else escapes to become a 500. */
    @FuzzTest
    void fieldSelector(FuzzedDataProvider data) {
        String name = data.consumeString(30);
        String text = data.consumeRemainingAsString();
        try {
            FieldSelector.parse(text).test(new PodKey("default", name));
        } catch (ApiException e) {
            assertEquals(400, e.code(), e.getMessage());
        }
    }

    /**
     * Every long prints as a Quantity in Go's canonical form, which reads back exactly as the same number. Read by the
     * Quantity grammar here, not by fabric8's {@code Quantity.getAmountInBytes}: that one goes through a double for
     * binary suffixes and reads Go's "-8Ei" (Long.MIN_VALUE bytes) as -9.223372036854776E+18.
     */
    @FuzzTest
    void quantities(long value) {
        same(BigDecimal.valueOf(value, 3), Quantities.milli(value));
        same(BigDecimal.valueOf(value, 9), Quantities.nano(value));
        same(BigDecimal.valueOf(value), Quantities.bytes(value));
    }

    /**
     * Every window length prints as Go's {@code time.Duration.String()}, which reads back as the same length. Windows
     * are never negative (a later sample minus an earlier one) and Go's Duration holds at most 2^63 ns.
     */
    @FuzzTest
    void goDuration(long anyMillis) {
        long millis = Math.floorMod(anyMillis, Long.MAX_VALUE / 1_000_000);
        String text = GoDuration.ofMillis(millis);
        boolean negative = millis < 0;
        String unsigned = negative ? text.substring(1) : text;
        assertTrue(!negative || text.startsWith("-"), text);
        long back;
        if (unsigned.endsWith("ms")) {
            back = Long.parseLong(unsigned.substring(0, unsigned.length() - 2));
            assertTrue(back < 1000, text);
        } else {
            Matcher m = GO_DURATION.matcher(unsigned);
            assertTrue(m.matches(), text);
            long hours = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
            long minutes = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
            String fraction = m.group(4) == null ? "0" : (m.group(4) + "00").substring(0, 3);
            back = ((hours * 60 + minutes) * 60 + Long.parseLong(m.group(3))) * 1000 + Long.parseLong(fraction);
        }
        assertEquals(millis, negative ? -back : back, text);
    }

    private static void same(BigDecimal expected, String quantity) {
        Matcher m = CANONICAL_QUANTITY.matcher(quantity);
        assertTrue(m.matches(), quantity + " is not a canonical Quantity");
        BigDecimal read = new BigDecimal(m.group(1)).multiply(switch (m.group(2)) {
            case "" -> BigDecimal.ONE;
            case "n" -> BigDecimal.ONE.movePointLeft(9);
            case "u" -> BigDecimal.ONE.movePointLeft(6);
            case "m" -> BigDecimal.ONE.movePointLeft(3);
            case "k" -> BigDecimal.ONE.movePointRight(3);
            case "M" -> BigDecimal.ONE.movePointRight(6);
            case "G" -> BigDecimal.ONE.movePointRight(9);
            case "T" -> BigDecimal.ONE.movePointRight(12);
            case "P" -> BigDecimal.ONE.movePointRight(15);
            case "E" -> BigDecimal.ONE.movePointRight(18);
            default -> new BigDecimal(BigInteger.valueOf(1024).pow(" KMGTPE".indexOf(m.group(2).charAt(0))));
        });
        assertEquals(0, expected.compareTo(read), quantity + " reads as " + read + ", not " + expected);
        if (m.group(2).length() < 2) { // decimal suffixes: fabric8, as the HPA's client reads them, agrees
            assertEquals(0, expected.compareTo(Quantity.getAmountInBytes(new Quantity(quantity))), quantity);
        }
    }
}
