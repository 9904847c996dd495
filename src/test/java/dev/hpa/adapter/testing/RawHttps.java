package dev.hpa.adapter.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * HTTP/1.1 written byte by byte over verified TLS, for what no well-behaved client sends: broken percent-encoding,
 * raw non-UTF-8 bytes, contradictory framing, garbage. Reads answers off the wire as they come, several per
 * connection when requests are pipelined.
 */
public final class RawHttps implements AutoCloseable {

    /**
     * One answer; {@code code} is {@link #NO_ANSWER} when the server closed or stayed silent instead. {@code closed}:
     * the server closed the connection right after it (only looked at for bodiless refusals).
     */
    public record Reply(int code, Map<String, String> headers, byte[] body, boolean closed) {

        public static final int NO_ANSWER = -1;

        Reply(int code, Map<String, String> headers, byte[] body) {
            this(code, headers, body, false);
        }

        /**
         * What Vert.x answers, before any handler runs, to a request its decoder refuses: 400, 414 or 431 with no
         * body, and the connection closed.
         */
        public boolean refusedByDecoder() {
            return (code == 400 || code == 414 || code == 431) && body.length == 0 && closed;
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return code == NO_ANSWER ? "no answer" : code + " " + headers + " " + text() + (closed ? " (closed)" : "");
        }
    }

    private final Socket socket;
    private final InputStream in;

    private RawHttps(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** A TLS connection (HTTP/1.1 only, handshake done) with the identity and trust of {@code context}. */
    public static RawHttps connect(SSLContext context, int port) {
        try {
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
            socket.connect(new InetSocketAddress("localhost", port), 5_000);
            socket.setSoTimeout(5_000);
            var parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"http/1.1"});
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return new RawHttps(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RawHttps send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttps send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // the server may already have closed; what it answered is still to be read
        }
        return this;
    }

    /** A GET as a client sends it, {@code target} written exactly as given. */
    public static String get(String target) {
        return request("GET", target, "");
    }

    public static String request(String method, String target, String extraHeaders) {
        return method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extraHeaders + "\r\n";
    }

    /** The next answer on the connection, or {@link Reply#NO_ANSWER} if the server closes or is silent for 5 s. */
    public Reply read() {
        return read(false);
    }

    /** The next answer to a HEAD request, which has headers only. */
    public Reply readHead() {
        return read(true);
    }

    /**
     * Requests on one kept-alive connection, as a client library sends them, reconnecting whenever the server
     * closed it: many requests at the cost of few handshakes.
     */
    public static final class Conversation implements AutoCloseable {
        private final SSLContext context;
        private final int port;
        private RawHttps http;

        public Conversation(SSLContext context, int port) {
            this.context = context;
            this.port = port;
        }

        public Reply ask(String request, boolean head) {
            for (int attempt = 0; ; attempt++) {
                if (http == null) {
                    http = connect(context, port);
                }
                Reply reply = http.send(request).read(head);
                if (reply.code() >= 400 && reply.body().length == 0 && !head) {
                    reply = new Reply(reply.code(), reply.headers(), reply.body(), http.closedWithin(300));
                }
                boolean closing = reply.code() == Reply.NO_ANSWER || reply.closed()
                        || "close".equalsIgnoreCase(reply.header("connection"));
                if (closing) {
                    close();
                }
                // a server may close a kept-alive connection without saying so: the first try on it does not count
                if (reply.code() != Reply.NO_ANSWER || attempt == 1) {
                    return reply;
                }
            }
        }

        @Override
        public void close() {
            if (http != null) {
                http.close();
                http = null;
            }
        }
    }

    private Reply read(boolean head) {
        try {
            String status = line();
            if (status == null) {
                return new Reply(Reply.NO_ANSWER, Map.of(), new byte[0]);
            }
            String[] parts = status.split(" ", 3);
            int code = Integer.parseInt(parts[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = line(); line != null && !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
                        (a, b) -> a + ", " + b);
            }
            return new Reply(code, headers, head ? new byte[0] : body(headers));
        } catch (SocketTimeoutException | EOFException silent) {
            return new Reply(Reply.NO_ANSWER, Map.of(), new byte[0]);
        } catch (IOException e) {
            return new Reply(Reply.NO_ANSWER, Map.of(), new byte[0]);
        }
    }

    /** Every answer until the server closes or goes silent (5 s for the first, 1 s for the others). */
    public List<Reply> readAll() {
        List<Reply> replies = new ArrayList<>();
        for (Reply reply = read(); reply.code() != Reply.NO_ANSWER; reply = read()) {
            if (reply.code() >= 400 && reply.body().length == 0) {
                replies.add(new Reply(reply.code(), reply.headers(), reply.body(), closedWithin(300)));
                break;
            }
            replies.add(reply);
            try {
                socket.setSoTimeout(1_000); // more answers come at once or not at all
            } catch (IOException closed) {
                break;
            }
        }
        return replies;
    }

    /** True if the server closed the connection within {@code millis}. */
    public boolean closedWithin(int millis) {
        return closedWithin(socket, in, millis);
    }

    /** True if the server closed {@code socket} within {@code millis}, whatever it sent before (a TLS alert, say). */
    public static boolean closedWithin(Socket socket, int millis) throws IOException {
        return closedWithin(socket, socket.getInputStream(), millis);
    }

    private static boolean closedWithin(Socket socket, InputStream in, int millis) {
        try {
            socket.setSoTimeout(millis);
            while (in.read() >= 0) {
                // drain whatever is left
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private byte[] body(Map<String, String> headers) throws IOException {
        String length = headers.get("content-length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length));
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                body.write(in.readNBytes(size));
                line();
            }
            line();
            return body.toByteArray();
        }
        return new byte[0];
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                if (line.size() == 0) {
                    return null;
                }
                throw new EOFException("the connection ended inside a line");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
