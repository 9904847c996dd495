package dev.hpa.adapter.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.HashMap;
import java.util.Map;

/** Coverage-guided fuzzing of {@code labelSelector} text as the HPA (or anyone) sends it. */
class LabelSelectorFuzzTest {

    /**
     * Text either fails with IllegalArgumentException (Go's wording, for a 400) or parses to a selector whose
     * canonical form parses back to the same selector; matching any labels never throws.
     */
    @FuzzTest
    void parse(FuzzedDataProvider data) {
        Map<String, String> labels = new HashMap<>();
        int count = data.consumeInt(0, 4);
        for (int i = 0; i < count; i++) {
            labels.put(data.consumeString(20), data.consumeString(20));
        }
        String text = data.consumeRemainingAsString();
        LabelSelector selector;
        try {
            selector = LabelSelector.parse(text);
        } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertEquals(selector, LabelSelector.parse(selector.toString()), "canonical form " + selector);
        boolean first = selector.matches(labels);
        assertEquals(first, LabelSelector.parse(selector.toString()).matches(labels));
    }
}
