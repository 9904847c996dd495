package dev.hpa.adapter.pods;

import static java.util.stream.Collectors.joining;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A Kubernetes label selector, as the HPA sends it in {@code labelSelector} ({@code labels.Selector.String()}):
 * requirements that must all hold. Parsing, matching and printing follow apimachinery's
 * {@code pkg/labels/selector.go}, so what a Go API server accepts is accepted here, and what it rejects fails with
 * the same message.
 */
public final class LabelSelector {

    /** Selects every object: what an empty or absent selector means. */
    public static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    private final List<Requirement> requirements; // sorted by key, as Go sorts them

    private LabelSelector(List<Requirement> requirements) {
        List<Requirement> byKey = new ArrayList<>(requirements);
        byKey.sort(Comparator.comparing(Requirement::key)); // stable; so is Go's sort on lists this short
        this.requirements = List.copyOf(byKey);
    }

    /**
     * Reads {@code k=v}, {@code k==v}, {@code k!=v}, {@code k in (a,b)}, {@code k notin (a,b)}, {@code k},
     * {@code !k}, {@code k>5} and {@code k<5}, joined by commas. Null, empty or blank text selects everything.
     *
     * @throws IllegalArgumentException worded like apimachinery's error, fit to return verbatim in a 400 Status
     */
    public static LabelSelector parse(String text) {
        if (text == null) {
            return EVERYTHING;
        }
        List<Requirement> requirements = new SelectorParser(text).requirements();
        return requirements.isEmpty() ? EVERYTHING : new LabelSelector(requirements);
    }

    /** Whether every requirement holds for these labels; null labels are no labels. Allocates nothing. */
    public boolean matches(Map<String, String> labels) {
        Map<String, String> present = labels == null ? Map.of() : labels;
        for (int i = 0; i < requirements.size(); i++) { // indexed: no Iterator on the hot path
            if (!requirements.get(i).matches(present)) {
                return false;
            }
        }
        return true;
    }

    /** Whether this selector restricts nothing. */
    public boolean isEverything() {
        return requirements.isEmpty();
    }

    /** The requirements, sorted by key. */
    public List<Requirement> requirements() {
        return requirements;
    }

    /** The canonical Go form: requirements sorted by key, set values sorted, {@code ==} written {@code =}. */
    @Override
    public String toString() {
        return requirements.stream().map(Requirement::toString).collect(joining(","));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LabelSelector that && requirements.equals(that.requirements);
    }

    @Override
    public int hashCode() {
        return requirements.hashCode();
    }

    /** How a requirement relates a label to its values. */
    public enum Operator {
        /** {@code k=v} or {@code k==v}: the label is present and equals the value. */
        EQUALS,
        /** {@code k!=v}: the label is absent or differs from the value. */
        NOT_EQUALS,
        /** {@code k in (a,b)}: the label is present and one of the values. */
        IN,
        /** {@code k notin (a,b)}: the label is absent or none of the values. */
        NOT_IN,
        /** {@code k}: the label is present, with any value. */
        EXISTS,
        /** {@code !k}: the label is absent. */
        DOES_NOT_EXIST,
        /** {@code k>5}: the label is present, an integer, and greater than the value. */
        GREATER_THAN,
        /** {@code k<5}: the label is present, an integer, and less than the value. */
        LESS_THAN
    }

    /**
     * One condition on one label. The constructor checks what Go's {@code NewRequirement} checks, with its wording.
     *
     * @param key      a label key: an optional DNS-subdomain prefix and {@code /}, then a name
     * @param operator how the label relates to the values
     * @param values   one value for = != > &lt;, at least one for in/notin, none for exists/!exists; each a valid
     *                 label value (may be empty); from {@link #parse} sorted and distinct
     */
    public record Requirement(String key, Operator operator, List<String> values) {

        public Requirement {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(operator, "operator");
            values = List.copyOf(values);
            Set<String> problems = problems(key, operator, values);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(LabelSyntax.aggregate(problems));
            }
        }

        /** Whether this condition holds for these labels. Allocates nothing. */
        public boolean matches(Map<String, String> labels) {
            String value = labels.get(key); // null: the object has no such label
            return switch (operator) {
                case EQUALS, IN -> value != null && values.contains(value);
                case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
                case EXISTS -> value != null;
                case DOES_NOT_EXIST -> value == null;
                case GREATER_THAN -> isInteger(value) && Long.parseLong(value) > bound();
                case LESS_THAN -> isInteger(value) && Long.parseLong(value) < bound();
            };
        }

        /** Go's {@code Requirement.String()}, except that {@code ==} is written {@code =}. */
        @Override
        public String toString() {
            return switch (operator) {
                case EQUALS -> key + "=" + joinedValues();
                case NOT_EQUALS -> key + "!=" + joinedValues();
                case IN -> key + " in (" + joinedValues() + ")";
                case NOT_IN -> key + " notin (" + joinedValues() + ")";
                case EXISTS -> key;
                case DOES_NOT_EXIST -> "!" + key;
                case GREATER_THAN -> key + ">" + joinedValues();
                case LESS_THAN -> key + "<" + joinedValues();
            };
        }

        private static boolean isInteger(String labelValue) {
            // Checked first so that a label like "v2" fails the comparison instead of throwing per object.
            return labelValue != null && LabelSyntax.isInt64(labelValue);
        }

        private long bound() {
            return Long.parseLong(values.get(0)); // the constructor checked it is one int64
        }

        private String joinedValues() {
            return values.stream().sorted().collect(joining(","));
        }

        /** Go's NewRequirement checks, in its order: key, number of values, integers for > and &lt;, each value. */
        private static Set<String> problems(String key, Operator operator, List<String> values) {
            Set<String> problems = new LinkedHashSet<>(); // Go drops repeated messages too
            List<String> keyProblems = LabelSyntax.keyProblems(key);
            if (!keyProblems.isEmpty()) {
                problems.add(LabelSyntax.invalid("key", key, keyProblems));
            }
            String countProblem = countProblem(operator, values.size());
            if (countProblem != null) {
                problems.add("values: Invalid value: " + LabelSyntax.goSlice(values) + ": " + countProblem);
            }
            if (operator == Operator.GREATER_THAN || operator == Operator.LESS_THAN) {
                for (int i = 0; i < values.size(); i++) {
                    if (!LabelSyntax.isInt64(values.get(i))) {
                        problems.add(LabelSyntax.invalid("values[" + i + "]", values.get(i),
                                List.of("for 'Gt', 'Lt' operators, the value must be an integer")));
                    }
                }
            }
            for (int i = 0; i < values.size(); i++) {
                List<String> valueProblems = LabelSyntax.valueProblems(values.get(i));
                if (!valueProblems.isEmpty()) {
                    problems.add(LabelSyntax.invalid("values[" + i + "][" + key + "]", values.get(i), valueProblems));
                }
            }
            return problems;
        }

        private static String countProblem(Operator operator, int count) {
            return switch (operator) {
                case IN, NOT_IN -> count == 0 ? "for 'in', 'notin' operators, values set can't be empty" : null;
                case EQUALS, NOT_EQUALS -> count != 1 ? "exact-match compatibility requires one single value" : null;
                case EXISTS, DOES_NOT_EXIST ->
                        count != 0 ? "values set must be empty for exists and does not exist" : null;
                case GREATER_THAN, LESS_THAN ->
                        count != 1 ? "for 'Gt', 'Lt' operators, exactly one value is required" : null;
            };
        }
    }
}
