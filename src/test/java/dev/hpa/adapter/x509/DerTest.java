package dev.hpa.adapter.x509;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class DerTest {

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    @Test
    void lengthsUseTheShortestForm() {
        assertEquals(2 + 127, Der.octetString(new byte[127]).length);
        assertArrayEquals(hex("04 81 80"), java.util.Arrays.copyOf(Der.octetString(new byte[128]), 3));
        assertArrayEquals(hex("04 82 01 00"), java.util.Arrays.copyOf(Der.octetString(new byte[256]), 4));
        assertArrayEquals(hex("04 83 01 00 00"), java.util.Arrays.copyOf(Der.octetString(new byte[65536]), 5));
    }

    @Test
    void integersAreMinimalTwosComplement() {
        assertArrayEquals(hex("02 01 00"), Der.integer(0));
        assertArrayEquals(hex("02 01 7f"), Der.integer(127));
        assertArrayEquals(hex("02 02 00 80"), Der.integer(128)); // a leading zero keeps it positive
        assertEquals(BigInteger.valueOf(-129), Der.read(Der.integer(-129)).integer());
    }

    @Test
    void objectIdentifiersRoundTrip() {
        // ecdsa-with-SHA256, as every certificate carries it
        assertArrayEquals(hex("06 08 2a 86 48 ce 3d 04 03 02"), Der.oid("1.2.840.10045.4.3.2"));
        for (String oid : List.of("2.5.29.19", "1.3.6.1.5.5.7.3.1", "2.999.3", "1.2.840.113549.1.1.11")) {
            assertEquals(oid, Der.read(Der.oid(oid)).oid());
        }
    }

    @Test
    void namedBitsDropTrailingZeros() {
        assertArrayEquals(hex("03 02 07 80"), Der.namedBits(0)); // digitalSignature
        assertArrayEquals(hex("03 02 01 86"), Der.namedBits(0, 5, 6)); // + keyCertSign, cRLSign
        assertArrayEquals(hex("03 03 07 00 80"), Der.namedBits(8)); // decipherOnly, in the second byte
    }

    @Test
    void timesSwitchToGeneralizedTimeIn2050() {
        assertArrayEquals(hex("17 0d") , java.util.Arrays.copyOf(Der.time(Instant.parse("2049-12-31T23:59:59Z")), 2));
        assertEquals("491231235959Z",
                new String(Der.read(Der.time(Instant.parse("2049-12-31T23:59:59.900Z"))).content()));
        assertEquals("20500101000000Z", new String(Der.read(Der.time(Instant.parse("2050-01-01T00:00:00Z"))).content()));
    }

    @Test
    void readsNestedValuesAndRejectsBrokenOnes() {
        byte[] encoded = Der.sequence(Der.integer(1), Der.sequence(Der.oid("2.5.4.3")), Der.explicit(0, Der.integer(7)));
        List<Der.Value> elements = Der.read(encoded).expect(Der.SEQUENCE).elements();
        assertEquals(3, elements.size());
        assertEquals("2.5.4.3", elements.get(1).elements().get(0).oid());
        assertEquals(BigInteger.valueOf(7), elements.get(2).elements().get(0).integer());
        assertArrayEquals(encoded, Der.read(encoded).encoded());

        assertThrows(Der.DerException.class, () -> Der.read(hex("30 05 02 01 01")), "length past the end");
        assertThrows(Der.DerException.class, () -> Der.read(hex("02 01 01 00")), "trailing bytes");
        assertThrows(Der.DerException.class, () -> Der.read(hex("30")), "truncated");
        assertThrows(Der.DerException.class, () -> Der.read(hex("30 85 00 00 00 00 01 00")), "5-byte length");
        assertThrows(Der.DerException.class, () -> Der.read(hex("06 02 2a 86")).oid(), "unterminated arc");
        assertThrows(Der.DerException.class, () -> Der.read(hex("02 01 01")).oid(), "wrong tag");
    }
}
