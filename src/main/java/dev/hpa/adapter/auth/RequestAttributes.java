package dev.hpa.adapter.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * What a request asks for, in the terms RBAC speaks: kube-apiserver's RequestInfo, parsed the way
 * {@code k8s.io/apiserver/pkg/endpoints/request/requestinfo.go} parses it, so that the SubjectAccessReview this
 * adapter sends asks about exactly what kube-apiserver already authorized before it proxied the request.
 *
 * <p>Absent parts are empty strings, never null, as in Go. {@code path} is the percent-decoded path without the
 * query, for resource and non-resource requests alike.
 *
 * @param resourceRequest whether the path names an API resource ({@code /apis/<group>/<version>/...} or
 *     {@code /api/<version>/...}); otherwise it is a non-resource path such as discovery or {@code /metrics}
 * @param verb the kube verb ({@code get}, {@code list}, {@code watch}, ...) of a resource request, the lower-case
 *     HTTP method of a non-resource request
 */
public record RequestAttributes(
        boolean resourceRequest,
        String verb,
        String path,
        String apiGroup,
        String apiVersion,
        String namespace,
        String resource,
        String subresource,
        String name) {

    private static final String GROUPED_PREFIX = "apis";
    private static final String LEGACY_PREFIX = "api"; // the core group: no group segment
    /** Path segments that stand for a verb rather than a resource, as in kube. */
    private static final Set<String> SPECIAL_VERBS = Set.of("proxy", "watch");
    /** After {@code /namespaces/<ns>/} these are subresources of the namespace, not namespaced resources. */
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    public RequestAttributes {
        verb = orEmpty(verb);
        path = orEmpty(path);
        apiGroup = orEmpty(apiGroup);
        apiVersion = orEmpty(apiVersion);
        namespace = orEmpty(namespace);
        resource = orEmpty(resource);
        subresource = orEmpty(subresource);
        name = orEmpty(name);
    }

    /** A request for a path that is not an API resource: discovery, {@code /openapi/v2}, {@code /metrics}... */
    public static RequestAttributes nonResource(String verb, String path) {
        return new RequestAttributes(false, verb, path, "", "", "", "", "", "");
    }

    /**
     * Parses a request line.
     *
     * @param httpMethod e.g. {@code GET}
     * @param rawPath the request target as received, percent-encoded or not (a {@code *} arrives as {@code %2A});
     *     a query string is allowed and only {@code watch} is read from it
     * @throws IllegalArgumentException for a path with a malformed percent-escape, or a special verb with nothing
     *     after it ({@code /apis/g/v/watch}); answer 400 BadRequest
     */
    public static RequestAttributes of(String httpMethod, String rawPath) {
        int queryStart = rawPath.indexOf('?');
        String path = PercentDecoding.decode(queryStart < 0 ? rawPath : rawPath.substring(0, queryStart));
        String query = queryStart < 0 ? "" : rawPath.substring(queryStart + 1);
        String method = httpMethod.toUpperCase(Locale.ROOT);
        RequestAttributes nonResource = nonResource(method.toLowerCase(Locale.ROOT), path);

        // Like Go's decoded URL.Path: an escaped slash splits segments too, exactly as kube-apiserver saw it.
        String[] parts = splitPath(path);
        if (parts.length < 3 || !(GROUPED_PREFIX.equals(parts[0]) || LEGACY_PREFIX.equals(parts[0]))) {
            return nonResource;
        }
        boolean grouped = GROUPED_PREFIX.equals(parts[0]);
        if (grouped && parts.length < 4) {
            return nonResource; // /apis/<group>/<version> is discovery
        }
        int next = 1;
        String group = grouped ? parts[next++] : "";
        String version = parts[next++];
        return resourceRequest(method, path, query, group, version, Arrays.copyOfRange(parts, next, parts.length));
    }

    /** Parses what follows {@code /apis/<group>/<version>} (or {@code /api/<version>}), at least one segment. */
    private static RequestAttributes resourceRequest(
            String method, String path, String query, String group, String version, String[] rest) {
        String verb;
        if (SPECIAL_VERBS.contains(rest[0])) {
            if (rest.length < 2) {
                throw new IllegalArgumentException("unable to determine kind and namespace from url " + path);
            }
            verb = rest[0];
            rest = Arrays.copyOfRange(rest, 1, rest.length);
        } else {
            verb = verbOf(method);
        }

        String namespace = "";
        if ("namespaces".equals(rest[0]) && rest.length > 1) {
            namespace = rest[1];
            // /namespaces/<ns>/<resource>/...: the namespace scopes the resource; /namespaces/<ns>/status does not
            if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.contains(rest[2])) {
                rest = Arrays.copyOfRange(rest, 2, rest.length);
            }
        }

        // rest is now resource/name/subresource/anything-else-is-ignored
        String resource = rest[0];
        String name = rest.length >= 2 ? rest[1] : "";
        String subresource = rest.length >= 3 && !"proxy".equals(verb) ? rest[2] : "";

        if (name.isEmpty() && "get".equals(verb)) {
            verb = QueryParameters.watchRequested(query) ? "watch" : "list";
        } else if (name.isEmpty() && "delete".equals(verb)) {
            verb = "deletecollection";
        }
        return new RequestAttributes(true, verb, path, group, version, namespace, resource, subresource, name);
    }

    private static String verbOf(String method) {
        return switch (method) {
            case "POST" -> "create";
            case "GET", "HEAD" -> "get";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> "";
        };
    }

    /** Go's strings.Split(strings.Trim(path, "/"), "/"): inner empty segments are kept. */
    private static String[] splitPath(String path) {
        int start = 0;
        int end = path.length();
        while (start < end && path.charAt(start) == '/') {
            start++;
        }
        while (end > start && path.charAt(end - 1) == '/') {
            end--;
        }
        return start == end ? new String[0] : path.substring(start, end).split("/", -1);
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    /** RFC 3986 percent-decoding of a path: unlike form decoding, '+' stays a plus. */
    static final class PercentDecoding {

        private PercentDecoding() {}

        static String decode(String raw) {
            if (raw.indexOf('%') < 0) {
                return raw; // the common case allocates nothing
            }
            String ascii = decodeAsciiEscapes(raw);
            return ascii != null ? ascii : decodeUtf8Escapes(raw);
        }

        /** The HPA's {@code %2A} and its like, straight into chars; null when an escape is not ASCII. */
        private static String decodeAsciiEscapes(String raw) {
            StringBuilder decoded = new StringBuilder(raw.length());
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c != '%') {
                    decoded.append(c);
                    continue;
                }
                int octet = escapedOctet(raw, i);
                if (octet >= 0x80) {
                    return null; // part of a multi-byte UTF-8 sequence
                }
                decoded.append((char) octet);
                i += 2;
            }
            return decoded.toString();
        }

        private static String decodeUtf8Escapes(String raw) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == '%') {
                    bytes.write(escapedOctet(raw, i));
                    i += 2;
                } else if (c < 0x80) {
                    bytes.write(c);
                } else {
                    int end = i + (Character.isHighSurrogate(c) && i + 1 < raw.length() ? 2 : 1);
                    bytes.writeBytes(raw.substring(i, end).getBytes(StandardCharsets.UTF_8));
                    i = end - 1;
                }
            }
            return strictUtf8(bytes.toByteArray(), raw);
        }

        /** The octet of the escape at {@code percent}, which must be followed by two hex digits. */
        private static int escapedOctet(String raw, int percent) {
            if (percent + 2 >= raw.length()) {
                throw malformed(raw);
            }
            int high = hexValue(raw.charAt(percent + 1));
            int low = hexValue(raw.charAt(percent + 2));
            if (high < 0 || low < 0) {
                throw malformed(raw);
            }
            return high << 4 | low;
        }

        /** ASCII hex only: Character.digit would also take other scripts' digits. */
        private static int hexValue(char c) {
            if (c >= '0' && c <= '9') {
                return c - '0';
            }
            if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
            }
            if (c >= 'A' && c <= 'F') {
                return c - 'A' + 10;
            }
            return -1;
        }

        private static String strictUtf8(byte[] bytes, String raw) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("path is not UTF-8 once percent-decoded: " + raw, e);
            }
        }

        private static IllegalArgumentException malformed(String raw) {
            return new IllegalArgumentException("malformed percent-escape in path: " + raw);
        }
    }

    /** The one query parameter that changes the verb. */
    static final class QueryParameters {

        private QueryParameters() {}

        /**
         * Whether the query asks for a watch: like apimachinery's string-to-bool conversion of the first
         * {@code watch} value, anything but {@code 0} and {@code false} (any case) counts, even an empty value.
         */
        static boolean watchRequested(String query) {
            if (query.isEmpty()) {
                return false;
            }
            for (String pair : query.split("&")) {
                int equals = pair.indexOf('=');
                String key = formDecode(equals < 0 ? pair : pair.substring(0, equals));
                if ("watch".equals(key)) {
                    String value = equals < 0 ? "" : formDecode(pair.substring(equals + 1));
                    return !("0".equals(value) || "false".equalsIgnoreCase(value));
                }
            }
            return false;
        }

        private static String formDecode(String raw) {
            try {
                return java.net.URLDecoder.decode(raw, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return raw; // Go skips malformed pairs; an undecodable key is never "watch"
            }
        }
    }
}
