package dev.hpa.adapter.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Coverage-guided fuzzing of the identity headers kube-apiserver's front proxy sends (any bytes a header may hold). */
class FrontProxyHeadersFuzzTest {

    private static final AuthenticationSettings SETTINGS = AuthenticationSettings.empty().withRequestHeaderCAs(List.of());
    private static final List<String> NAMES = List.of("X-Remote-User", "x-remote-user", "X-Remote-Group",
            "X-Remote-Uid", "X-Remote-Extra-", "X-Remote-Extra-Scopes", "x-remote-extra-example.org%2Fproject",
            "X-Remote-Extra-%", "Authorization", "Host");

    /**
     * Any header set yields no caller (no user name) or one whose name, uid, groups and extra values all came from
     * the headers, with system:authenticated among the groups; nothing throws.
     */
    @FuzzTest
    void caller(FuzzedDataProvider data) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        List<String> names = new ArrayList<>();
        int count = data.consumeInt(0, 8);
        for (int i = 0; i < count; i++) {
            String name = data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(40);
            names.add(name);
            headers.computeIfAbsent(name, n -> new ArrayList<>()).add(data.consumeString(60));
        }
        Optional<Caller> caller = new FrontProxyHeaders(SETTINGS, headers::get, names).caller();
        if (caller.isEmpty()) {
            assertTrue(headers.getOrDefault("X-Remote-User", List.of()).stream().allMatch(String::isEmpty));
            return;
        }
        Caller c = caller.get();
        assertFalse(c.user().isEmpty());
        assertTrue(headers.get("X-Remote-User").contains(c.user()));
        assertTrue(c.uid().isEmpty() || headers.get("X-Remote-Uid").contains(c.uid()));
        assertTrue(c.groups().contains(Caller.AUTHENTICATED));
        for (String group : c.groups()) {
            assertTrue(group.equals(Caller.AUTHENTICATED) || headers.get("X-Remote-Group").contains(group), group);
        }
        // Several header names may make one key ("X-Remote-Extra-A%41" and "x-remote-extra-aa"): Go appends them all.
        String prefix = AuthenticationSettings.DEFAULT_EXTRA_HEADER_PREFIXES.get(0);
        c.extra().forEach((key, values) -> {
            List<String> sent = names.stream().filter(n -> n.regionMatches(true, 0, prefix, 0, prefix.length())
                    && FrontProxyHeaders.unescapeExtraKey(n.substring(prefix.length()).toLowerCase(Locale.ROOT))
                            .equals(key)).distinct().flatMap(n -> headers.get(n).stream()).toList();
            assertFalse(sent.isEmpty(), "extra key " + key + " from no header");
            values.forEach(value -> assertTrue(sent.contains(value), value));
        });
    }

    /** Go's url.PathUnescape, or the key as it came when an escape is broken; never an exception. */
    @FuzzTest
    void unescapeExtraKey(FuzzedDataProvider data) {
        String key = data.consumeRemainingAsString();
        String unescaped = FrontProxyHeaders.unescapeExtraKey(key);
        if (!key.contains("%")) {
            assertEquals(key, unescaped);
        }
    }
}
