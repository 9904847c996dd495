package dev.hpa.adapter.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hpa.adapter.x509.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may authenticate to the adapter with a certificate, as kube-apiserver publishes it in
 * {@code kube-system/extension-apiserver-authentication}: the front-proxy ("request-header") CA with the common names
 * it may issue to and the headers that carry the proxied identity, and the cluster's client CA.
 *
 * <p>Every collection is immutable. An empty CA list turns that kind of certificate authentication off, as in
 * kube's delegated authenticator. {@code allowedNames} empty means any certificate from the front-proxy CA.
 */
public record AuthenticationSettings(List<X509Certificate> requestHeaderCAs, Set<String> allowedNames,
        List<String> usernameHeaders, List<String> groupHeaders, List<String> extraHeaderPrefixes,
        List<String> uidHeaders, List<X509Certificate> clientCAs) {

    public static final String CLIENT_CA_KEY = "client-ca-file";
    public static final String REQUEST_HEADER_CA_KEY = "requestheader-client-ca-file";
    public static final String ALLOWED_NAMES_KEY = "requestheader-allowed-names";
    public static final String USERNAME_HEADERS_KEY = "requestheader-username-headers";
    public static final String GROUP_HEADERS_KEY = "requestheader-group-headers";
    public static final String EXTRA_HEADER_PREFIXES_KEY = "requestheader-extra-headers-prefix";
    public static final String UID_HEADERS_KEY = "requestheader-uid-headers";

    /** kube-apiserver's defaults for its --requestheader-* header flags, and the header its proxy sets for UIDs. */
    public static final List<String> DEFAULT_USERNAME_HEADERS = List.of("X-Remote-User");
    public static final List<String> DEFAULT_GROUP_HEADERS = List.of("X-Remote-Group");
    public static final List<String> DEFAULT_EXTRA_HEADER_PREFIXES = List.of("X-Remote-Extra-");
    public static final List<String> DEFAULT_UID_HEADERS = List.of("X-Remote-Uid");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_QUOTED_VALUE = 80;

    public AuthenticationSettings {
        requestHeaderCAs = List.copyOf(requestHeaderCAs);
        // Insertion order is kept so that logs and messages list the names as the configmap does.
        allowedNames = Collections.unmodifiableSet(new LinkedHashSet<>(allowedNames));
        usernameHeaders = List.copyOf(usernameHeaders);
        groupHeaders = List.copyOf(groupHeaders);
        extraHeaderPrefixes = List.copyOf(extraHeaderPrefixes);
        uidHeaders = List.copyOf(uidHeaders);
        clientCAs = List.copyOf(clientCAs);
    }

    /** No certificate authentication at all: every certificate request ends as {@code NONE}. */
    public static AuthenticationSettings empty() {
        return new AuthenticationSettings(List.of(), Set.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    /**
     * Reads the configmap's data. PEM keys may hold several certificates; the {@code requestheader-*} name keys are
     * JSON string arrays (kube-apiserver writes them with {@code json.Marshal}). An absent or empty key means an
     * empty list, as in kube.
     *
     * @param data the configmap's data; null (a configmap without data) counts as empty
     * @throws IllegalArgumentException naming the key, when a value is not valid PEM or not a JSON string array
     */
    public static AuthenticationSettings fromConfigMap(Map<String, String> data) {
        Map<String, String> values = data == null ? Map.of() : data;
        return new AuthenticationSettings(
                pemValue(values, REQUEST_HEADER_CA_KEY),
                new LinkedHashSet<>(stringArray(values, ALLOWED_NAMES_KEY)),
                headerNames(values, USERNAME_HEADERS_KEY),
                headerNames(values, GROUP_HEADERS_KEY),
                headerNames(values, EXTRA_HEADER_PREFIXES_KEY),
                headerNames(values, UID_HEADERS_KEY),
                pemValue(values, CLIENT_CA_KEY));
    }

    /**
     * The front-proxy CA from a file instead of the configmap. When the configmap named no identity headers at all
     * (e.g. it could not be read), kube-apiserver's defaults apply, as they do for kube's
     * {@code --requestheader-client-ca-file} flag: X-Remote-User, X-Remote-Group, X-Remote-Extra-, X-Remote-Uid.
     * Header names the configmap did give are kept, so a UID header is never assumed for a cluster that publishes
     * its own list without one (its kube-apiserver might not strip a client-sent X-Remote-Uid).
     */
    public AuthenticationSettings withRequestHeaderCAs(List<X509Certificate> certificates) {
        boolean noHeaderNames = usernameHeaders.isEmpty() && groupHeaders.isEmpty() && extraHeaderPrefixes.isEmpty()
                && uidHeaders.isEmpty();
        if (noHeaderNames) {
            return new AuthenticationSettings(certificates, allowedNames, DEFAULT_USERNAME_HEADERS,
                    DEFAULT_GROUP_HEADERS, DEFAULT_EXTRA_HEADER_PREFIXES, DEFAULT_UID_HEADERS, clientCAs);
        }
        return new AuthenticationSettings(certificates, allowedNames, usernameHeaders, groupHeaders,
                extraHeaderPrefixes, uidHeaders, clientCAs);
    }

    /** The client CA from a file instead of the configmap. */
    public AuthenticationSettings withClientCAs(List<X509Certificate> certificates) {
        return new AuthenticationSettings(requestHeaderCAs, allowedNames, usernameHeaders, groupHeaders,
                extraHeaderPrefixes, uidHeaders, certificates);
    }

    /**
     * Every certificate in a PEM file (other blocks, such as a key, are skipped).
     *
     * @throws IllegalArgumentException naming the file, when it cannot be read or holds no valid certificate
     */
    public static List<X509Certificate> readPemBundle(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            // A non-ASCII byte surfaces as MalformedInputException (an IOException); say which file it was.
            throw new IllegalArgumentException("cannot read CA bundle " + file + ": " + e, e);
        }
        List<X509Certificate> certificates = parsePem("CA bundle " + file, text);
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("CA bundle " + file + " holds no PEM CERTIFICATE block");
        }
        return certificates;
    }

    /** A summary for logs: the certificates by subject, not their whole encoding. */
    @Override
    public String toString() {
        return "AuthenticationSettings[requestHeaderCAs=" + subjects(requestHeaderCAs) + ", allowedNames="
                + allowedNames + ", usernameHeaders=" + usernameHeaders + ", groupHeaders=" + groupHeaders
                + ", extraHeaderPrefixes=" + extraHeaderPrefixes + ", uidHeaders=" + uidHeaders + ", clientCAs="
                + subjects(clientCAs) + "]";
    }

    private static List<X509Certificate> pemValue(Map<String, String> data, String key) {
        String value = data.get(key);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        List<X509Certificate> certificates = parsePem("configmap key " + key, value);
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("configmap key " + key + " holds no PEM CERTIFICATE block");
        }
        return certificates;
    }

    /** Header names are trimmed and must not be empty, as kube's {@code trimHeaders} demands. */
    private static List<String> headerNames(Map<String, String> data, String key) {
        List<String> names = new ArrayList<>();
        for (String name : stringArray(data, key)) {
            String trimmed = name.trim();
            if (trimmed.isEmpty()) {
                throw new IllegalArgumentException(
                        "configmap key " + key + " names an empty header: " + quote(data.get(key)));
            }
            names.add(trimmed);
        }
        return names;
    }

    /**
     * Go's {@code deserializeStrings}: empty text or JSON null is an empty list; anything but an array of strings
     * fails.
     */
    private static List<String> stringArray(Map<String, String> data, String key) {
        String value = data.get(key);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        JsonNode node = parseJson(key, value);
        if (node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw notStringArray(key, value);
        }
        List<String> strings = new ArrayList<>();
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                throw notStringArray(key, value);
            }
            strings.add(element.textValue());
        }
        return strings;
    }

    private static JsonNode parseJson(String key, String value) {
        try {
            return JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw notStringArray(key, value);
        }
    }

    private static IllegalArgumentException notStringArray(String key, String value) {
        return new IllegalArgumentException("configmap key " + key
                + " must be a JSON array of strings such as [\"X-Remote-User\"], got " + quote(value));
    }

    private static List<X509Certificate> parsePem(String source, String text) {
        try {
            return Pem.certificates(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " is not valid PEM: " + e.getMessage(), e);
        }
    }

    private static String quote(String value) {
        String shown = value.length() > MAX_QUOTED_VALUE ? value.substring(0, MAX_QUOTED_VALUE) + "…" : value;
        return "'" + shown + "'";
    }

    private static List<String> subjects(List<X509Certificate> certificates) {
        return certificates.stream().map(certificate -> certificate.getSubjectX500Principal().getName())
                .collect(Collectors.toList());
    }
}
