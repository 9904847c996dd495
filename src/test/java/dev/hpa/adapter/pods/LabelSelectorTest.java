package dev.hpa.adapter.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.pods.LabelSelector.Operator;
import dev.hpa.adapter.pods.LabelSelector.Requirement;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Expected texts and outcomes are apimachinery's (labels/selector.go and its validation messages). */
class LabelSelectorTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" prints as \"{1}\"")
    @CsvSource(delimiter = '|', textBlock = """
            # selector text                                      | canonical Go string
            # --- nothing to select on: everything
            ''                                                   | ''
            '  \t  '                                              | ''
            # --- each operator
            k=v                                                  | k=v
            k==v                                                 | k=v
            k!=v                                                 | k!=v
            k in (a)                                             | k in (a)
            k notin (a)                                          | k notin (a)
            k                                                    | k
            !k                                                   | !k
            k>5                                                  | k>5
            k<5                                                  | k<5
            k>0                                                  | k>0
            # --- whitespace wherever Go allows it, none where it is not needed
            '  k  =  v  '                                        | k=v
            '\tk\tin\t(\ta\t,\tb\t)\t'                           | k in (a,b)
            k in(a,b)                                            | k in (a,b)
            '! k'                                                | !k
            a=1 , b!=2 ,c                                        | a=1,b!=2,c
            # --- set values sorted and made distinct; requirements sorted by key, stable on equal keys
            k in (c,a,b,a)                                       | k in (a,b,c)
            b=2,a=1,c                                            | a=1,b=2,c
            k>5,k<10                                             | k>5,k<10
            # --- the empty value: Go allows it after an operator, in a set, and as ()
            k=                                                   | k=
            k!=,j                                                | j,k!=
            k in ()                                              | k in ()
            k in (,)                                             | k in ()
            k in (,a)                                            | k in (,a)
            k in (a,)                                            | k in (,a)
            x in (foo,,baz),y,z notin ()                         | x in (,baz,foo),y,z notin ()
            # --- "in" and "notin" are ordinary words where no operator is due
            in in (in,notin)                                     | in in (in,notin)
            k=notin                                              | k=notin
            # --- longest key and value Kubernetes allows
            p.example.com/n23456789012345678901234567890123456789012345678901234567890123=v23456789012345678901234567890123456789012345678901234567890123 | p.example.com/n23456789012345678901234567890123456789012345678901234567890123=v23456789012345678901234567890123456789012345678901234567890123
            # --- what the HPA sends: scale.status.selector of KServe and Knative targets
            app=isvc.torchserve-predictor                        | app=isvc.torchserve-predictor
            serving.knative.dev/revisionUID=5d1c2b3a-7f0e-4c1d-9a8b-1e2f3a4b5c6d | serving.knative.dev/revisionUID=5d1c2b3a-7f0e-4c1d-9a8b-1e2f3a4b5c6d
            serving.kserve.io/inferenceservice=llama,component=predictor | component=predictor,serving.kserve.io/inferenceservice=llama
            app in (isvc.llama-predictor),pod-template-hash!=7c9f | app in (isvc.llama-predictor),pod-template-hash!=7c9f
            """)
    void printsTheCanonicalGoString(String text, String canonical) {
        LabelSelector selector = LabelSelector.parse(text);

        assertEquals(canonical, selector.toString());
        assertEquals(selector, LabelSelector.parse(canonical), "the canonical string parses back to the same selector");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" on [{1}] -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # selector                   | labels (k=v,k=v)        | matches
            # --- everything
            ''                           | ''                      | true
            ''                           | a=1                     | true
            # --- = and ==
            a=1                          | a=1,b=2                 | true
            a==1                         | a=1                     | true
            a=1                          | a=2                     | false
            # absent key; and absent is not empty
            a=1                          | b=1                     | false
            a=                           | a=                      | true
            a=                           | ''                      | false
            # --- != matches an absent key
            a!=1                         | a=2                     | true
            a!=1                         | a=1                     | false
            a!=1                         | b=1                     | true
            # --- in / notin; notin matches an absent key
            a in (1,2)                   | a=2                     | true
            a in (1,2)                   | a=3                     | false
            a in (1,2)                   | ''                      | false
            a in ()                      | a=                      | true
            a notin (1,2)                | a=3                     | true
            a notin (1,2)                | a=1                     | false
            a notin (1,2)                | ''                      | true
            # --- exists / does not exist
            a                            | a=                      | true
            a                            | b=1                     | false
            !a                           | b=1                     | true
            !a                           | a=                      | false
            # --- > and < need a label that reads as an int64
            a>5                          | a=6                     | true
            a>5                          | a=5                     | false
            # not an integer, empty, absent
            a>5                          | a=v6                    | false
            a>5                          | a=                      | false
            a>5                          | ''                      | false
            # Go's ParseInt: a sign, leading zeros, and the int64 range with both ends
            a>0                          | a=+1                    | true
            a<5                          | a=4                     | true
            a<5                          | a=-4                    | true
            a<5                          | a=007                   | false
            a<5                          | a=99999999999999999999  | false
            a>5                          | a=9223372036854775807   | true
            a<5                          | a=-9223372036854775808  | true
            # --- every requirement must hold
            app=x,tier in (web,api),!canary | app=x,tier=api         | true
            app=x,tier in (web,api),!canary | app=x,tier=api,canary= | false
            app=x,tier in (web,api),!canary | app=x,tier=db          | false
            """)
    void matchesLikeGo(String selector, String labels, boolean expected) {
        assertEquals(expected, LabelSelector.parse(selector).matches(labels(labels)));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scale.status.selector as the HPA sends it       | labels of a pod it must select
            app=isvc.torchserve-predictor                      | app=isvc.torchserve-predictor,pod-template-hash=7c9f
            serving.knative.dev/revisionUID=5d1c2b3a-7f0e-4c1d-9a8b-1e2f3a4b5c6d | serving.knative.dev/revisionUID=5d1c2b3a-7f0e-4c1d-9a8b-1e2f3a4b5c6d,serving.knative.dev/revision=llama-00001
            serving.kserve.io/inferenceservice=llama,component=predictor | component=predictor,serving.kserve.io/inferenceservice=llama,app=isvc.llama-predictor
            # matchExpressions (In with one value) print as a set
            app in (isvc.llama-predictor)                      | app=isvc.llama-predictor
            """)
    void selectsThePodsOfAnHpaTarget(String selector, String podLabels) {
        LabelSelector parsed = LabelSelector.parse(selector);

        assertTrue(parsed.matches(labels(podLabels)));
        assertFalse(parsed.matches(labels("app=other,component=transformer")), "a pod of another target");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("badSelectors")
    void rejectsWithGosMessage(String text, String message) {
        var error = assertThrows(IllegalArgumentException.class, () -> LabelSelector.parse(text));

        assertEquals(message, error.getMessage());
    }

    // Go's rules, as a Go API server words them; the regexes are part of the text.
    private static final String NAME_RULE = "must consist of alphanumeric characters, '-', '_' or '.', and must start"
            + " and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
            + " validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    private static final String VALUE_RULE = "a valid label must be an empty string or consist of alphanumeric"
            + " characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', "
            + " or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    private static final String SUBDOMAIN_RULE = "a lowercase RFC 1123 subdomain must consist of lower case"
            + " alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g."
            + " 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
            + "[a-z0-9])?)*')";
    private static final String UNABLE = "unable to parse requirement: ";

    static Stream<Arguments> badSelectors() {
        String a64 = "a".repeat(64);
        return Stream.of(
                // --- structure: Go prefixes only errors inside one requirement with "unable to parse requirement"
                Arguments.of("k in (a", UNABLE + "found '', expected: ',' or ')'"),
                Arguments.of("k in (a b)", UNABLE + "found 'b', expected: ',' or ')'"),
                Arguments.of("k in a", UNABLE + "found 'a' expected: '('"),
                Arguments.of("k in (=)", UNABLE + "found '=', expected: ',', ')' or identifier"),
                Arguments.of("k in (,=)", UNABLE + "found '=', expected: ',', or identifier"),
                Arguments.of("k=(", UNABLE + "found '(', expected: identifier"),
                Arguments.of("k=(a)", UNABLE + "found '(', expected: identifier"),
                Arguments.of("kin(a)", UNABLE + "found '(', expected: in, notin, =, ==, !=, gt, lt"),
                Arguments.of("k >= 5", UNABLE + "found '=', expected: identifier"),
                Arguments.of("!!k", UNABLE + "found '!', expected: identifier"),
                Arguments.of("!", UNABLE + "found '', expected: identifier"),
                Arguments.of("=v", "found '=', expected: !, identifier, or 'end of string'"),
                Arguments.of(",", "found ',', expected: !, identifier, or 'end of string'"),
                Arguments.of("k=v w", "found 'w', expected: ',' or 'end of string'"),
                Arguments.of("k=v)", "found ')', expected: ',' or 'end of string'"),
                Arguments.of("!k=v", "found '=', expected: ',' or 'end of string'"), // !k takes no value
                Arguments.of("a,", "found '', expected: identifier after ','"),
                Arguments.of("a,,b", "found ',', expected: identifier after ','"),
                // --- > and < need an int64 that is also a label value
                Arguments.of("k>abc", UNABLE
                        + "values[0]: Invalid value: \"abc\": for 'Gt', 'Lt' operators, the value must be an integer"),
                Arguments.of("k>", UNABLE
                        + "values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer"),
                Arguments.of("k>99999999999999999999", UNABLE + "values[0]: Invalid value: \"99999999999999999999\":"
                        + " for 'Gt', 'Lt' operators, the value must be an integer"),
                Arguments.of("k<-1", UNABLE + "values[0][k]: Invalid value: \"-1\": " + VALUE_RULE),
                Arguments.of("k<-x", UNABLE + "[values[0]: Invalid value: \"-x\": for 'Gt', 'Lt' operators, the value"
                        + " must be an integer, values[0][k]: Invalid value: \"-x\": " + VALUE_RULE + "]"),
                // --- values
                Arguments.of("k=" + a64, UNABLE + "values[0][k]: Invalid value: \"" + a64 + "\": must be no more than"
                        + " 63 bytes"),
                Arguments.of("k=-v", UNABLE + "values[0][k]: Invalid value: \"-v\": " + VALUE_RULE),
                Arguments.of("k in (ok,b@d)", UNABLE + "values[0][k]: Invalid value: \"b@d\": " + VALUE_RULE),
                // --- keys: Go's field path is missing here and prints as <nil>
                Arguments.of("app:monolith", UNABLE + "<nil>: Invalid value: \"app:monolith\": name part " + NAME_RULE),
                Arguments.of("app.kubernetes_io/name=x", UNABLE + "<nil>: Invalid value: \"app.kubernetes_io/name\":"
                        + " prefix part " + SUBDOMAIN_RULE),
                Arguments.of("Example.com/k", UNABLE + "<nil>: Invalid value: \"Example.com/k\": prefix part "
                        + SUBDOMAIN_RULE),
                Arguments.of("/k", UNABLE + "<nil>: Invalid value: \"/k\": prefix part must be non-empty"),
                Arguments.of("p/", UNABLE + "<nil>: Invalid value: \"p/\": name part must be non-empty; name part "
                        + NAME_RULE),
                Arguments.of(a64 + "=v", UNABLE + "<nil>: Invalid value: \"" + a64 + "\": name part must be no more"
                        + " than 63 bytes"),
                Arguments.of("a/b/c", UNABLE + "<nil>: Invalid value: \"a/b/c\": a valid label key " + NAME_RULE
                        + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
                Arguments.of("k\u0000x", UNABLE + "<nil>: Invalid value: \"k\\x00x\": name part " + NAME_RULE),
                // 32 characters, but 64 bytes: Go counts bytes
                Arguments.of("k=" + "é".repeat(32), UNABLE + "values[0][k]: Invalid value: \"" + "é".repeat(32)
                        + "\": must be no more than 63 bytes; " + VALUE_RULE),
                Arguments.of("p".repeat(254) + "/k", UNABLE + "<nil>: Invalid value: \"" + "p".repeat(254) + "/k\":"
                        + " prefix part must be no more than 253 bytes"));
    }

    @Test
    void whitespaceIsGosSetOfFour() {
        assertEquals("k=v", LabelSelector.parse("\r\n\tk \r\n=\t v\n").toString());
        // A form feed is no whitespace to Go: it stays in the word, which is then no valid key.
        assertThrows(IllegalArgumentException.class, () -> LabelSelector.parse("\fk=v"));
    }

    @Test
    void nullAndBlankTextSelectEverything() {
        assertSame(LabelSelector.EVERYTHING, LabelSelector.parse(null));
        assertSame(LabelSelector.EVERYTHING, LabelSelector.parse(" "));
        assertTrue(LabelSelector.EVERYTHING.isEverything());
        assertTrue(LabelSelector.EVERYTHING.matches(null));
        assertFalse(LabelSelector.parse("a").isEverything());
    }

    @Test
    void exposesRequirementsSortedByKeyWithSortedDistinctValues() {
        LabelSelector selector = LabelSelector.parse("b in (y,x,y),a,!c,d==1");

        assertEquals(List.of(
                new Requirement("a", Operator.EXISTS, List.of()),
                new Requirement("b", Operator.IN, List.of("x", "y")),
                new Requirement("c", Operator.DOES_NOT_EXIST, List.of()),
                new Requirement("d", Operator.EQUALS, List.of("1"))), selector.requirements());
    }

    @Test
    void requirementBuiltByHandIsCheckedLikeGosNewRequirement() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> new Requirement("k", Operator.EQUALS, List.of("a", "b")));

        assertEquals("values: Invalid value: []string{\"a\", \"b\"}: exact-match compatibility requires one single"
                + " value", error.getMessage());
    }

    @Test
    void matchingAllocatesNothing() {
        // Every API request matches every pod of a namespace; garbage there is paid on each HPA sync.
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        LabelSelector selector = LabelSelector.parse(
                "app=isvc.llama-predictor,tier in (a,b,web),!canary,gen>3,zone notin (x),team!=ops,owner");
        Map<String, String> pod = labels("app=isvc.llama-predictor,tier=web,gen=7,owner=me,zone=y,extra=1");
        Map<String, String> other = labels("app=isvc.llama-predictor,tier=web,gen=v7");
        for (int i = 0; i < 20_000; i++) { // warm up
            selector.matches(pod);
            selector.matches(other);
        }

        long before = threads.getCurrentThreadAllocatedBytes();
        boolean all = true;
        for (int i = 0; i < 10_000; i++) {
            all &= selector.matches(pod) & !selector.matches(other);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(all);
        assertTrue(allocated < 1_000, "allocated " + allocated + " bytes over 20,000 matches");
    }

    /** {@code "k=v,k2=v2"} as a label map; {@code ""} is no labels. */
    private static Map<String, String> labels(String pairs) {
        if (pairs.isEmpty()) {
            return Map.of();
        }
        return Arrays.stream(pairs.split(","))
                .map(pair -> pair.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1], (a, b) -> b, HashMap::new));
    }
}
