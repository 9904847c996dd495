package dev.hpa.adapter.auth;

/**
 * The 403 Forbidden Status that kube-apiserver writes when authorization denies a request
 * ({@code responsewriters.Forbidden} → {@code apierrors.NewForbidden}), word for word, because people paste these
 * messages into searches and RBAC fixes: the message names the verb, the resource (with its subresource), the API
 * group and the namespace that a Role must grant.
 *
 * <p>Resource request, namespaced:
 * {@code pods.custom.metrics.k8s.io "*" is forbidden: User "alice" cannot get resource "pods/concurrency" in API
 * group "custom.metrics.k8s.io" in the namespace "team-a"}; cluster-scoped: {@code ... at the cluster scope};
 * non-resource: {@code forbidden: User "alice" cannot get path "/apis/custom.metrics.k8s.io/v1beta2"}. A reason
 * from the SubjectAccessReview is appended after {@code ": "}.
 */
public final class ForbiddenMessages {

    private ForbiddenMessages() {}

    /**
     * The Status {@code details} of a 403: {@code kind} holds the <em>resource</em> (not a kind), as in kube. All
     * three are empty for a non-resource request, where kube writes {@code "details":{}}: serialize empty fields
     * by leaving them out.
     */
    public record StatusDetails(String name, String group, String kind) {

        /** Whether every field is empty, i.e. the details of a non-resource request. */
        public boolean isEmpty() {
            return name.isEmpty() && group.isEmpty() && kind.isEmpty();
        }
    }

    /**
     * The Status message.
     *
     * @param user the caller's user name (kube uses "" when there is none)
     * @param reason the SubjectAccessReview's {@code status.reason}; null or empty for none
     */
    public static String message(String user, RequestAttributes attributes, String reason) {
        String why = whoCannotWhat(user == null ? "" : user, attributes);
        if (reason != null && !reason.isEmpty()) {
            why = why + ": " + reason;
        }
        return qualifiedPrefix(attributes) + why;
    }

    /** The Status message for this caller. */
    public static String message(Caller caller, RequestAttributes attributes, String reason) {
        return message(caller.user(), attributes, reason);
    }

    /** The Status details: the object's name, its API group, and the resource in the {@code kind} field. */
    public static StatusDetails details(RequestAttributes attributes) {
        return new StatusDetails(attributes.name(), attributes.apiGroup(), attributes.resource());
    }

    /** apierrors.NewForbidden's lead: who was forbidden, as {@code resource.group "name" is forbidden: }. */
    private static String qualifiedPrefix(RequestAttributes attributes) {
        String group = attributes.apiGroup();
        String resource = attributes.resource();
        if (group.isEmpty() && resource.isEmpty()) {
            return "forbidden: "; // non-resource requests, and resource requests kube could not name
        }
        String groupResource = group.isEmpty() ? resource : resource + "." + group;
        if (attributes.name().isEmpty()) {
            return groupResource + " is forbidden: ";
        }
        return groupResource + " " + GoQuoting.quote(attributes.name()) + " is forbidden: ";
    }

    /** responsewriters.forbiddenMessage: the sentence that names what RBAC would have to grant. */
    private static String whoCannotWhat(String user, RequestAttributes attributes) {
        String who = "User " + GoQuoting.quote(user) + " cannot " + attributes.verb();
        if (!attributes.resourceRequest()) {
            return who + " path " + GoQuoting.quote(attributes.path());
        }
        String resource = attributes.resource();
        if (!attributes.subresource().isEmpty()) {
            resource = resource + "/" + attributes.subresource();
        }
        String what = who + " resource " + GoQuoting.quote(resource)
                + " in API group " + GoQuoting.quote(attributes.apiGroup());
        if (!attributes.namespace().isEmpty()) {
            return what + " in the namespace " + GoQuoting.quote(attributes.namespace());
        }
        return what + " at the cluster scope";
    }

    /**
     * Go's {@code %q} (strconv.Quote) for the strings these messages quote: backslash and double quote escaped,
     * control and other non-printable characters written as Go escapes, printable Unicode kept as is.
     */
    static final class GoQuoting {

        private static final char[] HEX = "0123456789abcdef".toCharArray();

        private GoQuoting() {}

        static String quote(String value) {
            StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
            value.codePoints().forEach(codePoint -> appendEscaped(quoted, codePoint));
            return quoted.append('"').toString();
        }

        private static void appendEscaped(StringBuilder out, int codePoint) {
            switch (codePoint) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case 0x07 -> out.append("\\a");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case 0x0b -> out.append("\\v");
                default -> appendOther(out, codePoint);
            }
        }

        private static void appendOther(StringBuilder out, int codePoint) {
            if (printable(codePoint)) {
                out.appendCodePoint(codePoint);
            } else if (codePoint < ' ' || codePoint == 0x7f) {
                appendHex(out.append("\\x"), codePoint, 2);
            } else if (codePoint < 0x10000) {
                appendHex(out.append("\\u"), codePoint, 4);
            } else {
                appendHex(out.append("\\U"), codePoint, 8);
            }
        }

        /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
        private static boolean printable(int codePoint) {
            if (codePoint == ' ') {
                return true;
            }
            return switch (Character.getType(codePoint)) {
                case Character.CONTROL, Character.FORMAT, Character.UNASSIGNED, Character.SURROGATE,
                        Character.PRIVATE_USE, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                        Character.SPACE_SEPARATOR -> false;
                default -> true;
            };
        }

        private static void appendHex(StringBuilder out, int value, int digits) {
            for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
                out.append(HEX[value >> shift & 0xf]);
            }
        }
    }
}
