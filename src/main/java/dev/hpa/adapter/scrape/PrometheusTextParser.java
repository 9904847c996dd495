package dev.hpa.adapter.scrape;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads the samples a caller asked for from a Prometheus text 0.0.4 or OpenMetrics 1.0 page.
 *
 * <p>One pass over the bytes. A line whose sample name is not wanted costs a byte comparison and
 * no allocation, so the thousands of histogram buckets on a vLLM page are nearly free. Instances
 * hold only the wanted names and can be shared between threads.
 */
public final class PrometheusTextParser {
    /** What a family's sample names may add to it; a TYPE line names the family. */
    private static final List<String> SUFFIXES = List.of("_total", "_sum", "_count", "_bucket");

    private final NameTable wanted;
    private final NameTable wantedFamilies;

    /** @param wantedNames exact sample names, e.g. {@code foo_total} or {@code request_predict_seconds_sum} */
    public PrometheusTextParser(Set<String> wantedNames) {
        this.wanted = new NameTable(Set.copyOf(wantedNames)); // a copy: the caller's set may change later
        Set<String> families = new HashSet<>();
        for (String name : wantedNames) {
            families.add(name); // text 0.0.4 writers often name the family after the sample: "foo_total counter"
            SUFFIXES.stream().filter(name::endsWith)
                    .forEach(suffix -> families.add(name.substring(0, name.length() - suffix.length())));
        }
        this.wantedFamilies = new NameTable(families);
    }

    /**
     * Returns the wanted samples of {@code page[0, length)} in page order. Duplicates are all
     * returned; merging them is the caller's choice.
     *
     * @throws MetricsFormatException if a line of a wanted sample is malformed, or two TYPE lines of a wanted
     *         family disagree; the message names the line
     */
    public List<Sample> parse(byte[] page, int length) throws MetricsFormatException {
        Objects.checkFromIndexSize(0, length, page.length);
        return new PageReader(page, length, wanted, wantedFamilies).samples();
    }

    /**
     * The state of one parse: a cursor over one line at a time. Every read stops at {@code lineEnd},
     * so a broken line can never swallow the next one.
     */
    private static final class PageReader {
        private static final int MAX_EXCERPT = 80;
        private static final byte[] EOF = "# EOF".getBytes(ISO_8859_1);
        private static final byte[] TYPE = "TYPE".getBytes(ISO_8859_1);

        private final byte[] page;
        private final int end;
        private final NameTable wanted;
        private final NameTable wantedFamilies;
        /** The TYPE lines of wanted families seen so far: family → {type, line}; made at the first one. */
        private Map<String, String[]> types;
        private final boolean openMetrics;
        private int lineNumber;
        private int lineStart;
        /** End of the current line's content, before its "\n" or "\r\n". */
        private int lineEnd;
        private int nextLineStart;
        private int pos;

        PageReader(byte[] page, int end, NameTable wanted, NameTable wantedFamilies) {
            this.page = page;
            this.end = end;
            this.wanted = wanted;
            this.wantedFamilies = wantedFamilies;
            this.openMetrics = endsWithEof();
        }

        List<Sample> samples() throws MetricsFormatException {
            List<Sample> samples = new ArrayList<>();
            while (nextLine()) {
                skipBlanks();
                // HELP, UNIT, EOF and plain comments: nothing the adapter needs, and a HELP text with odd
                // characters must never cost a whole page. TYPE lines only matter when they contradict.
                if (pos == lineEnd) {
                    continue;
                }
                if (page[pos] == '#') {
                    checkType();
                    continue;
                }
                boolean nameInBraces = page[pos] == '{';
                String name = nameInBraces ? quotedSampleName() : bareSampleName();
                // Lines of unwanted samples are not checked past their name: we do not pay to validate
                // what nobody asked for, and a quirk in some other family must not hide ours.
                if (name != null) {
                    samples.add(restOfSample(name, nameInBraces));
                }
            }
            return samples;
        }

        /**
         * A page that declares one of our families twice with different types (two registries writing the same
         * name, one a gauge and one a counter) cannot be read honestly: summing them would invent a number. The
         * same TYPE twice is harmless and passes, as does anything about families nobody asked for.
         */
        private void checkType() throws MetricsFormatException {
            pos++;
            if (!at(' ') && !at('\t')) {
                return; // "#TYPE" is a plain comment, as for Prometheus
            }
            skipBlanks();
            int keyword = pos;
            pos = tokenEnd(pos);
            if (!Arrays.equals(page, keyword, pos, TYPE, 0, TYPE.length)) {
                return;
            }
            skipBlanks();
            int nameStart = pos;
            pos = tokenEnd(pos);
            String family = wantedFamilies.find(page, nameStart, pos);
            if (family == null) {
                return;
            }
            skipBlanks();
            String type = excerpt(pos, tokenEnd(pos));
            if (types == null) {
                types = new HashMap<>();
            }
            String[] first = types.putIfAbsent(family, new String[] {type, String.valueOf(lineNumber)});
            if (first != null && !first[0].equals(type)) {
                throw new MetricsFormatException("line %d: TYPE %s %s contradicts line %s, which said %s"
                        .formatted(lineNumber, family, type, first[1], first[0]));
            }
        }

        private Sample restOfSample(String name, boolean nameInBraces) throws MetricsFormatException {
            Map<String, String> labels = nameInBraces ? labelsAfterQuotedName() : labelsAfterBareName();
            double value = value();
            long timestampMillis = timestamp();
            return new Sample(name, labels, value, timestampMillis);
        }

        // OpenMetrics must end with "# EOF"; it is how we tell its timestamps (seconds) from 0.0.4's (ms).
        private boolean endsWithEof() {
            int i = end;
            while (i > 0 && (isBlank(page[i - 1]) || page[i - 1] == '\n' || page[i - 1] == '\r')) {
                i--;
            }
            int start = i - 5;
            return start >= 0 && (start == 0 || page[start - 1] == '\n')
                    && Arrays.equals(page, start, i, EOF, 0, EOF.length);
        }

        private boolean nextLine() {
            if (nextLineStart >= end) {
                return false;
            }
            lineStart = nextLineStart;
            int newline = lineStart;
            while (newline < end && page[newline] != '\n') {
                newline++;
            }
            nextLineStart = newline + 1;
            // Tolerate "\r\n": the format says "\n", but proxies and hand-written exporters send both.
            lineEnd = newline > lineStart && page[newline - 1] == '\r' ? newline - 1 : newline;
            lineNumber++;
            pos = lineStart;
            return true;
        }

        private String bareSampleName() throws MetricsFormatException {
            int start = pos;
            // A line that starts with no name cannot be skipped as someone else's: it means the body is
            // not a metrics page (an HTML error page, gzip bytes), and the caller must hear about it.
            if (!isNameStart(page[pos])) {
                throw fail("a metric name", pos);
            }
            do {
                pos++;
            } while (pos < lineEnd && isNameChar(page[pos]));
            return wanted.find(page, start, pos);
        }

        /** The UTF-8 form {@code {"my.metric",a="b"} 1}: the first quoted string in the braces is the name. */
        private String quotedSampleName() throws MetricsFormatException {
            pos++;
            skipBlanks();
            if (!at('"')) {
                throw fail("a quoted metric name", pos);
            }
            int start = pos + 1;
            int close = closingQuote(start);
            pos = close + 1;
            boolean escaped = indexOf('\\', start, close) < close; // rare: only then is the name decoded to look it up
            return escaped ? wanted.find(text(start, close)) : wanted.find(page, start, close);
        }

        private Map<String, String> labelsAfterBareName() throws MetricsFormatException {
            int nameEnd = pos;
            skipBlanks(); // "foo {a="1"} 1" is legal: Prometheus' own parser skips blanks before '{'
            if (consume('{')) {
                return labels();
            }
            if (pos == nameEnd && pos < lineEnd) {
                throw fail("'{' or a blank", pos);
            }
            return Map.of();
        }

        private Map<String, String> labelsAfterQuotedName() throws MetricsFormatException {
            skipBlanks();
            if (consume(',')) {
                return labels();
            }
            expect('}', "',' or '}'");
            return Map.of();
        }

        /** Reads label pairs up to and including '}'; a comma before '}' is allowed (TorchServe writes one). */
        private Map<String, String> labels() throws MetricsFormatException {
            Map<String, String> labels = new LinkedHashMap<>();
            do {
                skipBlanks();
                if (at('}')) {
                    break; // an empty set, or a comma just before '}'
                }
                String name = labelName();
                skipBlanks();
                expect('=', "'='");
                skipBlanks();
                if (!at('"')) {
                    throw fail("'\"' to open the value of label " + name, pos);
                }
                if (labels.put(name, quoted()) != null) {
                    throw new MetricsFormatException("line %d: label %s appears twice in %s"
                            .formatted(lineNumber, name, excerpt(lineStart, lineEnd)));
                }
                skipBlanks();
            } while (consume(','));
            expect('}', "',' or '}'");
            // Samples are handed to other threads; a map nobody can change is safe to share.
            return labels.isEmpty() ? Map.of() : Collections.unmodifiableMap(labels);
        }

        private String labelName() throws MetricsFormatException {
            if (at('"')) {
                return quoted();
            }
            int start = pos;
            if (pos == lineEnd || !isLabelStart(page[pos])) {
                throw fail("a label name", pos);
            }
            do {
                pos++;
            } while (pos < lineEnd && isLabelChar(page[pos]));
            return new String(page, start, pos - start, ISO_8859_1);
        }

        private String quoted() throws MetricsFormatException {
            int start = pos + 1;
            int close = closingQuote(start);
            pos = close + 1;
            return text(start, close);
        }

        /** Finds the closing quote; an escaped quote does not count. Escapes are checked later, by {@link #text}. */
        private int closingQuote(int from) throws MetricsFormatException {
            for (int i = from; i < lineEnd; i++) {
                if (page[i] == '\\') {
                    i++;
                } else if (page[i] == '"') {
                    return i;
                }
            }
            throw fail("a closing '\"'", lineEnd);
        }

        /** Decodes a quoted string's content; only \\, \" and \n are escapes. */
        private String text(int from, int to) throws MetricsFormatException {
            if (indexOf('\\', from, to) == to) {
                return new String(page, from, to - from, UTF_8);
            }
            byte[] out = new byte[to - from];
            int n = 0;
            for (int i = from; i < to; i++) {
                if (page[i] == '\\') {
                    i++; // closingQuote skipped the byte after every backslash, so i < to
                    out[n++] = unescape(i);
                } else {
                    out[n++] = page[i];
                }
            }
            return new String(out, 0, n, UTF_8);
        }

        private byte unescape(int at) throws MetricsFormatException {
            return switch (page[at]) {
                case '\\' -> '\\';
                case '"' -> '"';
                case 'n' -> '\n';
                default -> throw fail("an escape \\\\, \\\" or \\n", at);
            };
        }

        private double value() throws MetricsFormatException {
            skipBlanks(); // 0.0.4 allows any run of blanks and tabs; OpenMetrics' single space is one case of it
            int start = pos;
            pos = tokenEnd(start);
            return number(start, pos, "a value");
        }

        private long timestamp() throws MetricsFormatException {
            skipBlanks();
            if (atEndOrExemplar()) {
                return Sample.NO_TIMESTAMP;
            }
            int start = pos;
            pos = tokenEnd(start);
            long millis = openMetrics ? secondsAsMillis(start, pos) : millis(start, pos);
            skipBlanks();
            if (!atEndOrExemplar()) {
                throw fail("end of line", pos);
            }
            return millis;
        }

        // An OpenMetrics exemplar follows " # "; it describes one request, not the series, so it is dropped.
        private boolean atEndOrExemplar() {
            return pos == lineEnd || page[pos] == '#';
        }

        /** Text 0.0.4 timestamps: int64 milliseconds, possibly negative. */
        private long millis(int from, int to) throws MetricsFormatException {
            int i = from < to && (page[from] == '-' || page[from] == '+') ? from + 1 : from;
            if (i == to) {
                throw fail("a timestamp in integer milliseconds", from);
            }
            long millis = 0;
            for (; i < to; i++) {
                // Stop below Long.MAX_VALUE: -Long.MAX_VALUE is then the least value, never NO_TIMESTAMP.
                if (!isDigit(page[i]) || millis > (Long.MAX_VALUE - (page[i] - '0')) / 10) {
                    throw fail("a timestamp in integer milliseconds", from);
                }
                millis = millis * 10 + (page[i] - '0');
            }
            return page[from] == '-' ? -millis : millis;
        }

        /** OpenMetrics timestamps: seconds, with or without a fraction. */
        private long secondsAsMillis(int from, int to) throws MetricsFormatException {
            double seconds = number(from, to, "a timestamp in seconds");
            if (!(Math.abs(seconds) < 9e15)) { // also false for NaN; keeps the product inside a long
                throw fail("a timestamp in seconds", from);
            }
            return Math.round(seconds * 1000);
        }

        /**
         * Parses Go's ParseFloat syntax, which the servers write. Checked by hand: Double.parseDouble
         * would also take "1d" or "0x1p3" and refuses "Inf", "+Inf" and "nan".
         */
        private double number(int from, int to, String expected) throws MetricsFormatException {
            int i = from < to && (page[from] == '+' || page[from] == '-') ? from + 1 : from;
            if (isWord(i, to, "inf") || isWord(i, to, "infinity")) {
                return page[from] == '-' ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            }
            if (i == from && isWord(i, to, "nan")) {
                return Double.NaN;
            }
            if (!isDecimal(i, to)) {
                throw fail(expected, from);
            }
            return Double.parseDouble(new String(page, from, to - from, ISO_8859_1));
        }

        /** digits[.digits] or .digits, then an optional exponent; the sign is already consumed. */
        private boolean isDecimal(int from, int to) {
            int i = from;
            int digits = 0;
            for (; i < to && isDigit(page[i]); i++) {
                digits++;
            }
            if (i < to && page[i] == '.') {
                for (i++; i < to && isDigit(page[i]); i++) {
                    digits++;
                }
            }
            if (digits == 0) {
                return false;
            }
            if (i < to && (page[i] == 'e' || page[i] == 'E')) {
                i++;
                if (i < to && (page[i] == '+' || page[i] == '-')) {
                    i++;
                }
                int exponentStart = i;
                while (i < to && isDigit(page[i])) {
                    i++;
                }
                if (i == exponentStart) {
                    return false;
                }
            }
            return i == to;
        }

        private boolean isWord(int from, int to, String lowerCaseWord) {
            if (to - from != lowerCaseWord.length()) {
                return false;
            }
            for (int i = 0; i < lowerCaseWord.length(); i++) {
                if ((page[from + i] | 0x20) != lowerCaseWord.charAt(i)) { // ASCII lower case
                    return false;
                }
            }
            return true;
        }

        private void expect(char c, String expected) throws MetricsFormatException {
            if (!consume(c)) {
                throw fail(expected, pos);
            }
        }

        private boolean consume(char c) {
            if (!at(c)) {
                return false;
            }
            pos++;
            return true;
        }

        private boolean at(char c) {
            return pos < lineEnd && page[pos] == c;
        }

        private void skipBlanks() {
            while (pos < lineEnd && isBlank(page[pos])) {
                pos++;
            }
        }

        private int tokenEnd(int from) {
            int i = from;
            while (i < lineEnd && !isBlank(page[i])) {
                i++;
            }
            return i;
        }

        private int indexOf(char c, int from, int to) {
            int i = from;
            while (i < to && page[i] != c) {
                i++;
            }
            return i;
        }

        /** {@code line 17: expected a value after ts_inflight{model="a"}, got "abc"}. */
        private MetricsFormatException fail(String expected, int at) {
            int beforeStart = lineStart;
            int beforeEnd = at;
            while (beforeStart < beforeEnd && isBlank(page[beforeStart])) {
                beforeStart++;
            }
            while (beforeEnd > beforeStart && isBlank(page[beforeEnd - 1])) {
                beforeEnd--;
            }
            String after = beforeStart == beforeEnd ? "" : " after " + excerpt(beforeStart, beforeEnd);
            String got = at >= lineEnd ? "end of line" : '"' + excerpt(at, tokenEnd(at)) + '"';
            return new MetricsFormatException("line %d: expected %s%s, got %s".formatted(lineNumber, expected, after, got));
        }

        /** The bytes as text a person can read in a log line: control bytes shown as \xNN, long text cut. */
        private String excerpt(int from, int to) {
            int length = Math.min(to - from, 4 * MAX_EXCERPT); // enough bytes for MAX_EXCERPT characters
            StringBuilder out = new StringBuilder();
            new String(page, from, length, UTF_8).chars()
                    .forEach(c -> out.append(c < 0x20 || c == 0x7f ? "\\x%02x".formatted(c) : String.valueOf((char) c)));
            boolean cut = out.length() > MAX_EXCERPT || length < to - from;
            return cut ? out.substring(0, Math.min(out.length(), MAX_EXCERPT - 3)) + "..." : out.toString();
        }

        private static boolean isBlank(byte b) {
            return b == ' ' || b == '\t';
        }

        private static boolean isDigit(byte b) {
            return b >= '0' && b <= '9';
        }

        private static boolean isLabelStart(byte b) {
            return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
        }

        private static boolean isLabelChar(byte b) {
            return isLabelStart(b) || isDigit(b);
        }

        private static boolean isNameStart(byte b) {
            return isLabelStart(b) || b == ':';
        }

        private static boolean isNameChar(byte b) {
            return isNameStart(b) || isDigit(b);
        }
    }

    /**
     * The wanted names as UTF-8 bytes in an open-addressing hash table, so that a name on the page
     * is looked up from its bytes without first becoming a String.
     */
    private static final class NameTable {
        private final byte[][] keys;
        private final String[] names;

        NameTable(Set<String> wanted) {
            int size = 2;
            while (size < 2 * wanted.size()) {
                size <<= 1;
            }
            // At most half full: probes stay short and always reach an empty slot.
            keys = new byte[size][];
            names = new String[size];
            for (String name : wanted) {
                byte[] key = name.getBytes(UTF_8);
                int slot = hash(key, 0, key.length) & (size - 1);
                while (keys[slot] != null) {
                    slot = (slot + 1) & (size - 1);
                }
                keys[slot] = key;
                names[slot] = name;
            }
        }

        String find(byte[] bytes, int from, int to) {
            int mask = keys.length - 1;
            for (int slot = hash(bytes, from, to) & mask; keys[slot] != null; slot = (slot + 1) & mask) {
                if (Arrays.equals(keys[slot], 0, keys[slot].length, bytes, from, to)) {
                    return names[slot];
                }
            }
            return null;
        }

        String find(String name) {
            byte[] key = name.getBytes(UTF_8);
            return find(key, 0, key.length);
        }

        private static int hash(byte[] bytes, int from, int to) {
            int h = to - from;
            for (int i = from; i < to; i++) {
                h = 31 * h + bytes[i];
            }
            return h ^ (h >>> 16);
        }
    }
}
