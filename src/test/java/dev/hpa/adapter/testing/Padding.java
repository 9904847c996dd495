package dev.hpa.adapter.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * Valid filler that makes a page huge, produced in chunks so that a 100 MB page never exists in memory:
 * comment lines in text 0.0.4, samples of a filler gauge in OpenMetrics (where plain comments are invalid),
 * an unknown field in protobuf (which decoders skip).
 */
final class Padding {
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final String COMMENT_LINE = "# padding " + "x".repeat(53) + "\n"; // 64 bytes
    /** A whole chunk of comment lines, built once: padding must cost the event loop next to nothing. */
    private static final byte[] COMMENT_CHUNK = COMMENT_LINE.repeat(CHUNK_BYTES / COMMENT_LINE.length())
            .getBytes(StandardCharsets.UTF_8);

    private final Page.Kind kind;
    private long remaining;
    private long lines;
    private boolean started;

    Padding(Page.Kind kind, long bytes) {
        this.kind = kind;
        this.remaining = bytes;
    }

    /**
     * Writes the padding chunk by chunk, waiting for the socket to drain, then runs {@code then}; a huge page
     * costs no heap and a client that hangs up stops it.
     */
    void writeTo(HttpServerResponse response, Runnable then) {
        while (!response.writeQueueFull()) {
            if (response.closed()) {
                return; // the client gave up (e.g. at its body cap); nothing more to send
            }
            Buffer chunk = next();
            if (chunk == null) {
                then.run();
                return;
            }
            response.write(chunk);
        }
        response.drainHandler(v -> writeTo(response, then));
    }

    /** The next chunk, or null when all padding was handed out. */
    private Buffer next() {
        if (remaining <= 0) {
            return null;
        }
        Buffer chunk = Buffer.buffer(CHUNK_BYTES + 64);
        if (!started) {
            started = true;
            chunk.appendBytes(header());
        }
        if (kind == Page.Kind.TEXT && remaining >= COMMENT_CHUNK.length) {
            remaining -= COMMENT_CHUNK.length;
            return chunk.appendBytes(COMMENT_CHUNK);
        }
        while (remaining > 0 && chunk.length() < CHUNK_BYTES) {
            append(chunk);
        }
        return chunk;
    }

    private byte[] header() {
        return switch (kind) {
            case TEXT -> new byte[0];
            case OPENMETRICS -> "# TYPE padding gauge\n".getBytes(StandardCharsets.UTF_8);
            case PROTOBUF -> StatMessage.paddingFieldHeader(remaining);
        };
    }

    private void append(Buffer chunk) {
        switch (kind) {
            case TEXT -> appendLine(chunk, COMMENT_LINE);
            case OPENMETRICS -> appendLine(chunk, "padding{line=\"%010d\"} 0\n".formatted(lines++));
            case PROTOBUF -> {
                int n = (int) Math.min(remaining, CHUNK_BYTES - chunk.length());
                chunk.appendBytes(new byte[n]);
                remaining -= n;
            }
        }
    }

    /** Appends the line, or at the very end a shorter comment so the padding is exactly the asked size. */
    private void appendLine(Buffer chunk, String line) {
        if (remaining >= line.length() || kind == Page.Kind.OPENMETRICS) {
            chunk.appendString(line);
            remaining -= line.length();
        } else {
            chunk.appendString(remaining == 1 ? "\n" : "#" + " ".repeat((int) remaining - 2) + "\n");
            remaining = 0;
        }
    }
}
