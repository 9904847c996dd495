package dev.hpa.adapter.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go's canonical Quantity strings (apimachinery quantity.go: CanonicalizeBytes), and Go durations. */
class QuantitiesTest {

    @ParameterizedTest
    @CsvSource({"0,0", "1500,1500m", "12000,12", "1,1m", "-500,-500m", "250000,250", "1000000,1k"})
    void milli(long milli, String expected) {
        assertEquals(expected, Quantities.milli(milli));
    }

    @ParameterizedTest
    @CsvSource({"0,0", "250000000,250m", "1000000000,1", "1500000000,1500m", "12345678,12345678n",
            "1234567890,1234567890n", "1000,1u", "20000,20u", "2500000,2500u", "1000000000000,1k"})
    void nano(long nano, String expected) {
        assertEquals(expected, Quantities.nano(nano));
    }

    @ParameterizedTest
    @CsvSource({"0,0", "512,512", "1023,1023", "1024,1Ki", "12551168,12257Ki", "4294967296,4Gi", "1073741824,1Gi",
            "1536,1536", "1048577,1048577", "3145728,3Mi"})
    void bytes(long bytes, String expected) {
        assertEquals(expected, Quantities.bytes(bytes));
    }

    @ParameterizedTest
    @CsvSource({"0,0s", "1,1ms", "500,500ms", "1000,1s", "15012,15.012s", "1500,1.5s", "60000,1m0s", "90000,1m30s",
            "3723500,1h2m3.5s", "3600000,1h0m0s", "20000,20s", "10100,10.1s"})
    void goDuration(long millis, String expected) {
        assertEquals(expected, GoDuration.ofMillis(millis));
    }
}
