package dev.hpa.adapter.status;

/**
 * Builds the status page's markup. Every string from outside (pod and HPA names, reasons, errors quoting a pod's
 * page) goes in through {@link #text} or {@link #attribute}, which escape it: the page is served from
 * kube-apiserver's origin (through {@code kubectl proxy}), where an injected script would act with the viewer's
 * credentials. Markup of our own goes in through {@link #raw}, and only with constant strings.
 */
final class Html {

    private final StringBuilder out = new StringBuilder(16 * 1024);

    /** Our own markup: literals only, never data. */
    Html raw(String markup) {
        out.append(markup);
        return this;
    }

    /** Markup built by another {@code Html}, so escaped already. */
    Html append(Html part) {
        out.append(part.out);
        return this;
    }

    /** Text content, escaped. */
    Html text(Object value) {
        out.append(escape(String.valueOf(value)));
        return this;
    }

    /** {@code name="value"} with the value escaped; always double-quoted. */
    Html attribute(String name, Object value) {
        out.append(' ').append(name).append("=\"").append(escape(String.valueOf(value))).append('"');
        return this;
    }

    /**
     * The five characters that end a text run or a quoted attribute, and control characters other than tab and
     * newline (which a browser may show as boxes, or a terminal may act on when the page is saved and cat'ed).
     */
    static String escape(String s) {
        StringBuilder escaped = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String replacement = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> c < 0x20 && c != '\t' && c != '\n' || c == 0x7f ? "\uFFFD" : null;
            };
            if (replacement == null) {
                if (escaped != null) {
                    escaped.append(c);
                }
                continue;
            }
            if (escaped == null) {
                escaped = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            escaped.append(replacement);
        }
        return escaped == null ? s : escaped.toString();
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
