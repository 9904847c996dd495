package dev.hpa.adapter.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class QueueProxyStatTest {
    /** pod_name="pod-a", average_concurrent_requests=3.5, request_count=12.0, process_uptime=100.25 (reference §1.2). */
    private static final String REFERENCE =
            "0a 05 70 6f 64 2d 61  11 00 00 00 00 00 00 0c 40  21 00 00 00 00 00 00 28 40  31 00 00 00 00 00 10 59 40";
    private static final QueueProxyStat REFERENCE_STAT = new QueueProxyStat("pod-a", 3.5, 0, 12.0, 0, 100.25, 0);

    static Stream<Arguments> bodies() {
        return Stream.of(
                Arguments.of("the reference example", REFERENCE, REFERENCE_STAT),
                Arguments.of("an empty body: every field at its default", "", new QueueProxyStat("", 0, 0, 0, 0, 0, 0)),
                Arguments.of("before the first tick: the name only", "0a 05 70 6f 64 2d 61",
                        new QueueProxyStat("pod-a", 0, 0, 0, 0, 0, 0)),
                Arguments.of("every field", REFERENCE
                        + " 19 00 00 00 00 00 00 f0 3f" // average_proxied_concurrent_requests = 1.0
                        + " 29 00 00 00 00 00 00 00 40" // proxied_request_count = 2.0
                        + " 38 80 e2 cf aa 06", // timestamp = 1700000000
                        new QueueProxyStat("pod-a", 3.5, 1.0, 12.0, 2.0, 100.25, 1_700_000_000L)),
                Arguments.of("a negative timestamp takes ten varint bytes", "38 ff ff ff ff ff ff ff ff ff 01",
                        new QueueProxyStat("", 0, 0, 0, 0, 0, -1)),
                Arguments.of("unknown fields of every wire type are skipped", "40 96 01" // field 8, varint
                        + " 49 01 02 03 04 05 06 07 08" // field 9, 64-bit
                        + " 52 03 61 62 63" // field 10, length-delimited
                        + " 5d 01 02 03 04" // field 11, 32-bit
                        + " a0 06 01 " // field 100: a two-byte tag
                        + REFERENCE, REFERENCE_STAT),
                Arguments.of("a repeated field: the last one wins", REFERENCE + " 11 00 00 00 00 00 00 10 40",
                        new QueueProxyStat("pod-a", 4.0, 0, 12.0, 0, 100.25, 0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodies")
    void decodes(String body, String hex, QueueProxyStat expected) throws Exception {
        assertEquals(expected, decode(hex));
    }

    static Stream<Arguments> badBodies() {
        return Stream.of(
                Arguments.of("a truncated tag", "ff", "Stat at offset 0: truncated varint, the body ends at 1"),
                Arguments.of("a truncated timestamp", "38 ff ff", "Stat at offset 1: truncated varint, the body ends at 3"),
                Arguments.of("a varint of eleven bytes", "38 ff ff ff ff ff ff ff ff ff ff 01",
                        "Stat at offset 1: varint is longer than 10 bytes"),
                Arguments.of("a length past the end", "0a 05 70 6f",
                        "Stat at offset 1: length 5 runs past the end of the 4-byte body"),
                Arguments.of("a truncated double", "11 00 00", "Stat at offset 1: expected 8 bytes for a 64-bit value, found 2"),
                Arguments.of("a truncated unknown 32-bit field", "5d 01", "Stat at offset 1: expected 4 bytes for a 32-bit value, found 1"),
                Arguments.of("a trailing tag without its field", REFERENCE + " 0a",
                        "Stat at offset 35: truncated varint, the body ends at 35"),
                Arguments.of("wire type 3", "0b", "Stat at offset 0: wire type 3 (group) is not used in proto3"),
                Arguments.of("wire type 4", "0c", "Stat at offset 0: wire type 4 (group) is not used in proto3"),
                Arguments.of("wire type 6", "0e", "Stat at offset 0: wire type 6 does not exist"),
                Arguments.of("wire type 7", "0f", "Stat at offset 0: wire type 7 does not exist"),
                Arguments.of("field 0", "00", "Stat at offset 0: field number 0 is out of range"),
                Arguments.of("a double sent as a varint", "10 01",
                        "Stat at offset 0: field 2 (average_concurrent_requests) has wire type 0 (varint), expected 1 (64-bit)"),
                Arguments.of("the pod name sent as 32 bits", "0d 00 00 00 00",
                        "Stat at offset 0: field 1 (pod_name) has wire type 5 (32-bit), expected 2 (length-delimited)"),
                Arguments.of("the timestamp sent as 64 bits", "39 00 00 00 00 00 00 00 00",
                        "Stat at offset 0: field 7 (timestamp) has wire type 1 (64-bit), expected 0 (varint)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBodies")
    void saysWhereTheBytesWentWrong(String problem, String hex, String message) {
        MetricsFormatException e = assertThrows(MetricsFormatException.class, () -> decode(hex));

        assertEquals(message, e.getMessage());
    }

    @Test
    void decodesOnlyTheGivenLength() throws Exception {
        byte[] buffer = bytes(REFERENCE + " ff ff ff"); // a reused buffer: what follows length is stale

        assertEquals(REFERENCE_STAT, QueueProxyStat.decode(buffer, buffer.length - 3));
    }

    private static QueueProxyStat decode(String hex) throws MetricsFormatException {
        byte[] body = bytes(hex);
        return QueueProxyStat.decode(body, body.length);
    }

    private static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }
}
