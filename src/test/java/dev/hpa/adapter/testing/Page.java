package dev.hpa.adapter.testing;

import java.nio.charset.StandardCharsets;

/** A rendered metrics page: its bytes and the wire format they are in. */
record Page(Kind kind, byte[] body) {

    /** The three wire formats a pod's metrics endpoint answers in, with the Content-Type each server sends. */
    enum Kind {
        TEXT("text/plain; version=0.0.4; charset=utf-8"),
        OPENMETRICS("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        PROTOBUF("application/protobuf");

        final String contentType;

        Kind(String contentType) {
            this.contentType = contentType;
        }
    }

    static Page text(String body, boolean openMetrics) {
        return new Page(openMetrics ? Kind.OPENMETRICS : Kind.TEXT, body.getBytes(StandardCharsets.UTF_8));
    }

    static Page protobuf(byte[] body) {
        return new Page(Kind.PROTOBUF, body);
    }
}
