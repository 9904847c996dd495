package dev.hpa.adapter.pods;

import dev.hpa.adapter.pods.LabelSelector.Operator;
import dev.hpa.adapter.pods.LabelSelector.Requirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads selector text as apimachinery's {@code labels.Parse} does: a lexer that cuts words and the symbols
 * {@code = == != ! ( ) , < >} apart, then a recursive descent that fails with Go's wording, quirks included.
 */
final class SelectorParser {

    /** The token after the last one. Go prints it as {@code ''} in its messages, and so does an empty string. */
    private static final String END = "";

    // "in" and "notin" are words like any other: only where an operator is due do they mean one,
    // so "in in (in)" selects label "in". That is Go's parser context, kept by looking operators up here.
    private static final Map<String, Operator> OPERATORS = Map.of(
            "in", Operator.IN, "notin", Operator.NOT_IN,
            "=", Operator.EQUALS, "==", Operator.EQUALS, "!=", Operator.NOT_EQUALS,
            ">", Operator.GREATER_THAN, "<", Operator.LESS_THAN);

    private final List<String> tokens;
    private int position;

    SelectorParser(String text) {
        this.tokens = tokenize(text);
    }

    /** The requirements in text order; none for blank text. */
    List<Requirement> requirements() {
        List<Requirement> requirements = new ArrayList<>();
        while (!peek().equals(END)) {
            if (!startsRequirement(peek())) {
                throw failure("found '%s', expected: !, identifier, or 'end of string'", peek());
            }
            requirements.add(requirement());
            String after = next();
            if (after.equals(END)) {
                break;
            }
            if (!after.equals(",")) {
                throw failure("found '%s', expected: ',' or 'end of string'", after);
            }
            if (!startsRequirement(peek())) {
                throw failure("found '%s', expected: identifier after ','", peek());
            }
        }
        return requirements;
    }

    private Requirement requirement() {
        try {
            return keyThenCondition();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unable to parse requirement: " + e.getMessage());
        }
    }

    private Requirement keyThenCondition() {
        boolean mustBeAbsent = peek().equals("!");
        if (mustBeAbsent) {
            next();
        }
        String key = next();
        if (!isWord(key)) {
            throw failure("found '%s', expected: identifier", key);
        }
        LabelSyntax.requireValidKey(key); // before the operator, so a bad key is what gets reported
        if (mustBeAbsent) {
            return new Requirement(key, Operator.DOES_NOT_EXIST, List.of());
        }
        if (peek().equals(END) || peek().equals(",")) {
            return new Requirement(key, Operator.EXISTS, List.of());
        }
        Operator operator = operator();
        boolean isSet = operator == Operator.IN || operator == Operator.NOT_IN;
        return new Requirement(key, operator, isSet ? valueSet() : exactValue());
    }

    private Operator operator() {
        String token = next();
        Operator operator = OPERATORS.get(token);
        if (operator == null) {
            throw failure("found '%s', expected: in, notin, =, ==, !=, gt, lt", token);
        }
        return operator;
    }

    /** The value after = == != &gt; &lt;; nothing before ',' or the end is the empty value ({@code k=}). */
    private List<String> exactValue() {
        if (peek().equals(END) || peek().equals(",")) {
            return List.of("");
        }
        String value = next();
        if (!isWord(value)) {
            throw failure("found '%s', expected: identifier", value);
        }
        return List.of(value);
    }

    /** {@code (a,b)}, sorted and distinct. {@code ()} is the set holding the empty value, as in Go. */
    private List<String> valueSet() {
        String open = next();
        if (!open.equals("(")) {
            throw failure("found '%s' expected: '('", open); // sic: Go's message has no comma here
        }
        if (peek().equals(")")) {
            next();
            return List.of("");
        }
        if (!isWord(peek()) && !peek().equals(",")) {
            throw failure("found '%s', expected: ',', ')' or identifier", peek());
        }
        return valuesUpToClosingParenthesis();
    }

    private List<String> valuesUpToClosingParenthesis() {
        Set<String> values = new TreeSet<>();
        while (true) {
            String token = next();
            if (isWord(token)) {
                values.add(token);
                if (!peek().equals(",") && !peek().equals(")")) {
                    throw failure("found '%s', expected: ',' or ')'", peek());
                }
            } else if (token.equals(",")) {
                // An empty place beside a comma is the empty value: (,a) (a,,b) (a,)
                if (values.isEmpty() || peek().equals(",") || peek().equals(")")) {
                    values.add("");
                }
            } else {
                throw failure("found '%s', expected: ',', or identifier", token);
            }
            if (peek().equals(")")) {
                next();
                return List.copyOf(values);
            }
        }
    }

    private String peek() {
        return position < tokens.size() ? tokens.get(position) : END;
    }

    private String next() {
        String token = peek();
        position++;
        return token;
    }

    /** Words and symbols in order, then {@link #END}. Whitespace only separates. */
    private static List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        int start = skipWhitespace(text, 0);
        while (start < text.length()) {
            int end = isSymbol(text.charAt(start)) ? symbolEnd(text, start) : wordEnd(text, start);
            tokens.add(text.substring(start, end));
            start = skipWhitespace(text, end);
        }
        tokens.add(END);
        return tokens;
    }

    private static int symbolEnd(String text, int start) {
        char first = text.charAt(start);
        boolean twoCharacters = (first == '=' || first == '!') // "==" and "!=" are the only two-character symbols
                && start + 1 < text.length() && text.charAt(start + 1) == '=';
        return start + (twoCharacters ? 2 : 1);
    }

    private static int wordEnd(String text, int start) {
        int end = start;
        while (end < text.length() && !isSymbol(text.charAt(end)) && !isWhitespace(text.charAt(end))) {
            end++;
        }
        return end;
    }

    private static int skipWhitespace(String text, int start) {
        int end = start;
        while (end < text.length() && isWhitespace(text.charAt(end))) {
            end++;
        }
        return end;
    }

    private static boolean startsRequirement(String token) {
        return isWord(token) || token.equals("!");
    }

    private static boolean isWord(String token) {
        return !token.equals(END) && !isSymbol(token.charAt(0));
    }

    private static boolean isSymbol(char c) {
        return "=!(),<>".indexOf(c) >= 0;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n'; // Go's set: no form feed, no Unicode spaces
    }

    private static IllegalArgumentException failure(String format, String found) {
        return new IllegalArgumentException(format.formatted(found));
    }
}
