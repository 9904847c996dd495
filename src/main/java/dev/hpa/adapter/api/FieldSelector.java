package dev.hpa.adapter.api;

import dev.hpa.adapter.pods.PodKey;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The {@code fieldSelector} of a metrics.k8s.io list, as metrics-server honours it: {@code metadata.name} and
 * {@code metadata.namespace}, with {@code =}, {@code ==} and {@code !=}, joined by commas.
 */
final class FieldSelector {

    private FieldSelector() {}

    static Predicate<PodKey> parse(String text) {
        Predicate<PodKey> all = key -> true;
        if (text == null || text.isBlank()) {
            return all;
        }
        List<Predicate<PodKey>> terms = new ArrayList<>();
        for (String term : text.split(",")) {
            boolean negated = term.contains("!=");
            String[] parts = term.split(negated ? "!=" : "==?", 2);
            if (parts.length != 2) {
                throw ApiException.badRequest("invalid fieldSelector \"" + text + "\": \"" + term
                        + "\" is not field=value, field==value or field!=value");
            }
            String field = parts[0].trim();
            String value = parts[1].trim();
            Predicate<PodKey> test = switch (field) {
                case "metadata.name" -> key -> key.name().equals(value);
                case "metadata.namespace" -> key -> key.namespace().equals(value);
                default -> throw ApiException.badRequest("\"" + field + "\" is not a known field selector: only "
                        + "\"metadata.name\", \"metadata.namespace\"");
            };
            terms.add(negated ? test.negate() : test);
        }
        return terms.stream().reduce(all, Predicate::and);
    }
}
