package dev.hpa.adapter.pods;

import static java.util.stream.Collectors.joining;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Kubernetes' rules for label keys and values, and apimachinery's wording when one is broken. The wording is the
 * current one ({@code api/validate/content}, {@code util/validation/field}); the messages end up verbatim in the
 * Status an API client sees, so they say what a Go API server would say.
 */
final class LabelSyntax {

    // These regexes are also quoted in the messages, exactly as Go writes them.
    private static final String NAME_FORMAT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private static final String VALUE_FORMAT = "(" + NAME_FORMAT + ")?";
    private static final String SUBDOMAIN_FORMAT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    private static final Pattern NAME = Pattern.compile(NAME_FORMAT);
    private static final Pattern VALUE = Pattern.compile(VALUE_FORMAT);
    private static final Pattern SUBDOMAIN = Pattern.compile(SUBDOMAIN_FORMAT);
    private static final int MAX_NAME_BYTES = 63;
    private static final int MAX_VALUE_BYTES = 63;
    private static final int MAX_PREFIX_BYTES = 253;
    // Go's %q writes ESCAPED.charAt(i) as a backslash and ESCAPES.charAt(i).
    private static final String ESCAPED = "\u0007\b\f\n\r\t\u000b\"\\";
    private static final String ESCAPES = "abfnrtv\"\\";

    private static final String NAME_RULE = regexRule(
            "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric"
                    + " character", NAME_FORMAT, "MyName", "my.name", "123-abc");
    private static final String VALUE_RULE = regexRule(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must"
                    + " start and end with an alphanumeric character", VALUE_FORMAT, "MyValue", "my_value", "12345");
    private static final String SUBDOMAIN_RULE = regexRule(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must"
                    + " start and end with an alphanumeric character", SUBDOMAIN_FORMAT, "example.com");

    private LabelSyntax() {
    }

    /** Go's {@code IsLabelKey}: what is wrong with a key (an optional DNS-subdomain prefix and '/', then a name). */
    static List<String> keyProblems(String key) {
        String[] parts = key.split("/", -1);
        if (parts.length > 2) {
            return List.of("a valid label key " + NAME_RULE
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
        }
        List<String> problems = new ArrayList<>();
        if (parts.length == 2) {
            problems.addAll(prefixProblems(parts[0]));
        }
        String name = parts[parts.length - 1];
        if (name.isEmpty()) {
            problems.add("name part must be non-empty");
        } else if (byteLength(name) > MAX_NAME_BYTES) {
            problems.add("name part " + tooLong(MAX_NAME_BYTES));
        }
        if (!NAME.matcher(name).matches()) {
            problems.add("name part " + NAME_RULE);
        }
        return problems;
    }

    /** Go's {@code IsLabelValue}: what is wrong with a value; the empty value is valid. */
    static List<String> valueProblems(String value) {
        List<String> problems = new ArrayList<>();
        if (byteLength(value) > MAX_VALUE_BYTES) {
            problems.add(tooLong(MAX_VALUE_BYTES));
        }
        if (!VALUE.matcher(value).matches()) {
            problems.add(VALUE_RULE);
        }
        return problems;
    }

    /** Throws Go's error for a bad key met while parsing: {@code <nil>} is how Go prints the field path it lacks. */
    static void requireValidKey(String key) {
        List<String> problems = keyProblems(key);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(invalid("<nil>", key, problems));
        }
    }

    /** Whether Go's {@code strconv.ParseInt(text, 10, 64)} accepts text: optional sign, ASCII digits, int64 range. */
    static boolean isInt64(String text) {
        boolean negative = text.startsWith("-");
        int first = negative || text.startsWith("+") ? 1 : 0;
        if (first == text.length()) {
            return false;
        }
        // Accumulate below zero, as Long.parseLong does, so that Long.MIN_VALUE fits too.
        long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        long accumulated = 0;
        for (int i = first; i < text.length(); i++) {
            int digit = text.charAt(i) - '0';
            if (digit < 0 || digit > 9 || accumulated < (limit + digit) / 10) {
                return false;
            }
            accumulated = accumulated * 10 - digit;
        }
        return true;
    }

    /** Go's {@code field.Invalid(path, value, detail).Error()}. */
    static String invalid(String field, String value, List<String> details) {
        return field + ": Invalid value: " + quote(value) + ": " + String.join("; ", details);
    }

    /** Go's {@code utilerrors.Aggregate.Error()}: one message alone, several in brackets. */
    static String aggregate(Collection<String> messages) {
        return messages.size() == 1 ? messages.iterator().next() : "[" + String.join(", ", messages) + "]";
    }

    /** A string slice as Go's {@code %#v} prints it: {@code []string{"a", "b"}}. */
    static String goSlice(List<String> values) {
        return values.stream().map(LabelSyntax::quote).collect(joining(", ", "[]string{", "}"));
    }

    /** Go's {@code %q}, for the ASCII control characters a selector can carry; other characters stay as they are. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int escaped = ESCAPED.indexOf(c);
            if (escaped >= 0) {
                quoted.append('\\').append(ESCAPES.charAt(escaped));
            } else if (c < 0x20 || c == 0x7f) {
                quoted.append(String.format("\\x%02x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    private static List<String> prefixProblems(String prefix) {
        if (prefix.isEmpty()) {
            return List.of("prefix part must be non-empty");
        }
        List<String> problems = new ArrayList<>();
        if (byteLength(prefix) > MAX_PREFIX_BYTES) {
            problems.add("prefix part " + tooLong(MAX_PREFIX_BYTES));
        }
        if (!SUBDOMAIN.matcher(prefix).matches()) {
            problems.add("prefix part " + SUBDOMAIN_RULE);
        }
        return problems;
    }

    /** Go's {@code RegexError}, double spaces included. */
    private static String regexRule(String rule, String regex, String... examples) {
        String shown = Arrays.stream(examples).map(example -> "'" + example + "', ").collect(joining(" or "));
        return rule + " (e.g. " + shown + "regex used for validation is '" + regex + "')";
    }

    private static String tooLong(int maxBytes) {
        return "must be no more than " + maxBytes + " bytes";
    }

    private static int byteLength(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length; // Go's len(): limits count bytes, not characters
    }
}
