package dev.hpa.adapter.x509;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The few pieces of ASN.1 DER that certificates, keys and names need, to write and to read. Small on purpose: the
 * JDK reads and verifies certificates and keys itself; this only builds what it cannot (a certificate to sign) and
 * takes apart what it does not (PKCS#1 and SEC1 keys, the attributes of a subject name). It replaces BouncyCastle,
 * whose JCA provider Netty would otherwise load on the first TLS handshake.
 */
public final class Der {

    public static final int BOOLEAN = 0x01;
    public static final int INTEGER = 0x02;
    public static final int BIT_STRING = 0x03;
    public static final int OCTET_STRING = 0x04;
    public static final int NULL = 0x05;
    public static final int OBJECT_IDENTIFIER = 0x06;
    public static final int UTF8_STRING = 0x0c;
    public static final int NUMERIC_STRING = 0x12;
    public static final int PRINTABLE_STRING = 0x13;
    public static final int TELETEX_STRING = 0x14;
    public static final int IA5_STRING = 0x16;
    public static final int UTC_TIME = 0x17;
    public static final int GENERALIZED_TIME = 0x18;
    public static final int VISIBLE_STRING = 0x1a;
    public static final int UNIVERSAL_STRING = 0x1c;
    public static final int BMP_STRING = 0x1e;
    public static final int SEQUENCE = 0x30;
    public static final int SET = 0x31;

    private static final DateTimeFormatter UTC_TIME_FORMAT = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");
    private static final DateTimeFormatter GENERALIZED_TIME_FORMAT = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'");

    private Der() {
    }

    // ---- writing ----

    /** One TLV: the tag, the definite length in the shortest form, the content. */
    public static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
                out.write(length >>> shift);
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    public static byte[] sequence(byte[]... elements) {
        return tlv(SEQUENCE, concat(elements));
    }

    public static byte[] sequence(List<byte[]> elements) {
        return sequence(elements.toArray(byte[][]::new));
    }

    public static byte[] integer(BigInteger value) {
        return tlv(INTEGER, value.toByteArray()); // two's complement, minimal: what DER wants
    }

    public static byte[] integer(long value) {
        return integer(BigInteger.valueOf(value));
    }

    public static byte[] bool(boolean value) {
        return tlv(BOOLEAN, new byte[] { (byte) (value ? 0xff : 0x00) });
    }

    public static byte[] nullValue() {
        return new byte[] { NULL, 0 };
    }

    public static byte[] octetString(byte[] content) {
        return tlv(OCTET_STRING, content);
    }

    /** A BIT STRING of whole bytes (keys, signatures). */
    public static byte[] bitString(byte[] content) {
        byte[] withUnusedCount = new byte[content.length + 1];
        System.arraycopy(content, 0, withUnusedCount, 1, content.length);
        return tlv(BIT_STRING, withUnusedCount);
    }

    /**
     * A named-bit BIT STRING (KeyUsage): bit 0 is the most significant bit of the first byte, and DER drops trailing
     * zero bits, counting them as unused.
     */
    public static byte[] namedBits(int... bits) {
        int highest = Arrays.stream(bits).max().orElseThrow();
        byte[] content = new byte[highest / 8 + 2];
        for (int bit : bits) {
            content[1 + bit / 8] |= (byte) (0x80 >>> (bit % 8));
        }
        content[0] = (byte) (7 - highest % 8);
        return tlv(BIT_STRING, content);
    }

    public static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeBase128(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            writeBase128(out, Long.parseLong(arcs[i]));
        }
        return tlv(OBJECT_IDENTIFIER, out.toByteArray());
    }

    /** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, both in whole seconds. */
    public static byte[] time(Instant instant) {
        ZonedDateTime utc = instant.atZone(ZoneOffset.UTC).withNano(0);
        return utc.getYear() < 2050
                ? tlv(UTC_TIME, UTC_TIME_FORMAT.format(utc).getBytes(StandardCharsets.US_ASCII))
                : tlv(GENERALIZED_TIME, GENERALIZED_TIME_FORMAT.format(utc).getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code [n] EXPLICIT}: the encoded element wrapped in a constructed context-specific tag. */
    public static byte[] explicit(int n, byte[] element) {
        return tlv(0xa0 | n, element);
    }

    /** {@code [n] IMPLICIT} for a primitive type: the element's content under a context-specific tag. */
    public static byte[] implicit(int n, byte[] content) {
        return tlv(0x80 | n, content);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static void writeBase128(ByteArrayOutputStream out, long value) {
        int groups = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(value) + 6) / 7);
        for (int i = groups - 1; i >= 0; i--) {
            int group = (int) ((value >>> (7 * i)) & 0x7f);
            out.write(i == 0 ? group : group | 0x80);
        }
    }

    // ---- reading ----

    /** Reads one DER value that must fill {@code encoded} exactly. */
    public static Value read(byte[] encoded) {
        Reader reader = new Reader(encoded, 0, encoded.length);
        Value value = reader.next();
        if (reader.hasNext()) {
            throw new DerException("trailing bytes after the DER value");
        }
        return value;
    }

    /** A DER value with its tag; constructed values can be read element by element. */
    public record Value(int tag, byte[] source, int contentStart, int contentEnd, int start) {

        public byte[] content() {
            return Arrays.copyOfRange(source, contentStart, contentEnd);
        }

        /** The whole TLV, as it was encoded. */
        public byte[] encoded() {
            return Arrays.copyOfRange(source, start, contentEnd);
        }

        public boolean constructed() {
            return (tag & 0x20) != 0;
        }

        /** The elements of a SEQUENCE, SET or constructed context-specific value. */
        public List<Value> elements() {
            if (!constructed()) {
                throw new DerException("expected a constructed value, got tag 0x" + Integer.toHexString(tag));
            }
            List<Value> elements = new ArrayList<>();
            Reader reader = new Reader(source, contentStart, contentEnd);
            while (reader.hasNext()) {
                elements.add(reader.next());
            }
            return elements;
        }

        public Value expect(int expectedTag) {
            if (tag != expectedTag) {
                throw new DerException("expected tag 0x" + Integer.toHexString(expectedTag) + ", got 0x"
                        + Integer.toHexString(tag));
            }
            return this;
        }

        public BigInteger integer() {
            expect(INTEGER);
            if (contentEnd == contentStart) {
                throw new DerException("empty INTEGER");
            }
            return new BigInteger(content());
        }

        public String oid() {
            expect(OBJECT_IDENTIFIER);
            StringBuilder dotted = new StringBuilder();
            long arc = 0;
            boolean first = true;
            if (contentEnd == contentStart || (source[contentEnd - 1] & 0x80) != 0) {
                throw new DerException("malformed OBJECT IDENTIFIER");
            }
            for (int i = contentStart; i < contentEnd; i++) {
                if (arc > (Long.MAX_VALUE >>> 7)) {
                    throw new DerException("OBJECT IDENTIFIER arc too large");
                }
                arc = (arc << 7) | (source[i] & 0x7f);
                if ((source[i] & 0x80) == 0) {
                    if (first) {
                        long top = Math.min(arc / 40, 2);
                        dotted.append(top).append('.').append(arc - top * 40);
                        first = false;
                    } else {
                        dotted.append('.').append(arc);
                    }
                    arc = 0;
                }
            }
            return dotted.toString();
        }

        /** The bytes of a BIT STRING of whole bytes. */
        public byte[] bitStringBytes() {
            expect(BIT_STRING);
            if (contentEnd == contentStart || source[contentStart] != 0) {
                throw new DerException("BIT STRING is not a whole number of bytes");
            }
            return Arrays.copyOfRange(source, contentStart + 1, contentEnd);
        }
    }

    private static final class Reader {
        private final byte[] source;
        private int position;
        private final int end;

        Reader(byte[] source, int start, int end) {
            this.source = source;
            this.position = start;
            this.end = end;
        }

        boolean hasNext() {
            return position < end;
        }

        Value next() {
            int start = position;
            int tag = take();
            if ((tag & 0x1f) == 0x1f) {
                throw new DerException("multi-byte tags are not used here");
            }
            int first = take();
            long length;
            if (first < 0x80) {
                length = first;
            } else {
                int bytes = first & 0x7f;
                if (bytes == 0 || bytes > 4) {
                    throw new DerException("unsupported length encoding");
                }
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    length = (length << 8) | take();
                }
            }
            if (length > end - position) {
                throw new DerException("length " + length + " runs past the end of the data");
            }
            int contentStart = position;
            position += (int) length;
            return new Value(tag, source, contentStart, position, start);
        }

        private int take() {
            if (position >= end) {
                throw new DerException("truncated DER");
            }
            return source[position++] & 0xff;
        }
    }

    /** Data that is not the DER expected. */
    public static final class DerException extends IllegalArgumentException {
        DerException(String message) {
            super(message);
        }
    }
}
