package dev.hpa.adapter.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads the identity kube-apiserver's proxy put into the request headers (kube's
 * {@code requestHeaderAuthRequestHandler}). Only ever called after the request's certificate was verified as the
 * front proxy's: anyone can send these headers, so on any other path they must be ignored.
 */
final class FrontProxyHeaders {

    private final AuthenticationSettings settings;
    private final Function<String, List<String>> values;
    private final Collection<String> names;

    /**
     * @param values all values of one header, looked up case-insensitively
     * @param names the names of all headers of the request, in any case
     */
    FrontProxyHeaders(AuthenticationSettings settings, Function<String, List<String>> values,
            Collection<String> names) {
        this.settings = settings;
        this.values = values;
        this.names = names;
    }

    /** The caller the proxy vouches for, or empty when no username header has a value. */
    Optional<Caller> caller() {
        String user = firstValue(settings.usernameHeaders());
        if (user.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Caller(user, firstValue(settings.uidHeaders()), groups(), extra()));
    }

    /** The first non-empty value of the first listed header that has one. */
    private String firstValue(List<String> headers) {
        for (String header : headers) {
            for (String value : valuesOf(header)) {
                if (!value.isEmpty()) {
                    return value;
                }
            }
        }
        return "";
    }

    /**
     * Every non-empty value of every group header (each repeated header line a group of its own), then
     * system:authenticated.
     */
    private List<String> groups() {
        List<String> groups = new ArrayList<>();
        for (String header : settings.groupHeaders()) {
            valuesOf(header).stream().filter(value -> !value.isEmpty()).forEach(groups::add);
        }
        if (!groups.contains(Caller.AUTHENTICATED)) {
            groups.add(Caller.AUTHENTICATED);
        }
        return List.copyOf(groups);
    }

    /**
     * Headers named prefix + key, e.g. {@code X-Remote-Extra-Scopes: read} → {@code scopes: [read]}. The key is
     * lower-cased (header names are case-insensitive, extra keys are not) and then %-unescaped, because a key
     * such as {@code example.org/project} can only travel in a header name as {@code example.org%2Fproject}.
     */
    private Map<String, List<String>> extra() {
        Map<String, List<String>> extra = new LinkedHashMap<>();
        for (String prefix : settings.extraHeaderPrefixes()) {
            for (String name : distinctNames()) {
                if (hasPrefixIgnoringCase(name, prefix)) {
                    String key = unescapeExtraKey(name.substring(prefix.length()).toLowerCase(Locale.ROOT));
                    extra.computeIfAbsent(key, k -> new ArrayList<>()).addAll(valuesOf(name));
                }
            }
        }
        Map<String, List<String>> frozen = new LinkedHashMap<>();
        extra.forEach((key, list) -> frozen.put(key, List.copyOf(list)));
        return Collections.unmodifiableMap(frozen);
    }

    /** A header that arrives as two spellings must not contribute its values twice. */
    private Collection<String> distinctNames() {
        TreeSet<String> distinct = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        distinct.addAll(names);
        return distinct;
    }

    private List<String> valuesOf(String header) {
        List<String> found = values.apply(header);
        return found == null ? List.of() : found;
    }

    private static boolean hasPrefixIgnoringCase(String name, String prefix) {
        return name.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    /**
     * Go's {@code url.PathUnescape}: %XX becomes that byte, '+' stays '+' (unlike form decoding), and a key with a
     * broken escape is kept as it came, so that an extra value is never lost.
     */
    static String unescapeExtraKey(String encoded) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        byte[] raw = encoded.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] != '%') {
                bytes.write(raw[i]);
                continue;
            }
            if (i + 2 >= raw.length || hexValue(raw[i + 1]) < 0 || hexValue(raw[i + 2]) < 0) {
                return encoded;
            }
            bytes.write(hexValue(raw[i + 1]) * 16 + hexValue(raw[i + 2]));
            i += 2;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** 0–15 for an ASCII hex digit, -1 for anything else (a non-ASCII byte is negative and never a digit). */
    private static int hexValue(byte digit) {
        return digit < 0 ? -1 : Character.digit((char) digit, 16);
    }
}
