package dev.hpa.adapter.scrape;

import dev.hpa.adapter.pods.MetricsEndpoint;
import dev.hpa.adapter.scrape.ScrapeFailure.Reason;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * Reads pods' pages over plain HTTP/1.1, each pod on one kept-alive connection of its own, thousands a second. A
 * target that is slow, huge, or gone fails its own scrape and nothing else.
 *
 * <p>Straight on Netty, not through Vert.x's HTTP client: a pod is one address asked for one page once per
 * interval, never two at once, so the client's per-request objects (request, response, futures, header maps), its
 * connection pool per address (a queue of 1,024 slots, 4.7 KiB a pod) and its pool cleaner are work and memory
 * for nothing here. What is left per scrape is the request's bytes, encoded once per pod and written as they are,
 * Netty's response decoder, and the page's array. The connection lives on the event loop of the pod's wheel, so a
 * scrape never changes thread.
 *
 * <p>The limits of one read: the whole exchange (connect, request, every byte of the answer) ends within the
 * timeout, which the caller keeps ({@link Connection#expire}); the answer obeys {@link PageBody}'s rules; a head
 * over Netty's limits (a 4 KB status line, 8 KB of headers) or malformed is a {@code bad_page}. A kept-alive
 * connection the pod closed while idle is opened again once, within the same scrape, as Go's HTTP client does,
 * so a pod's idle timeout costs no scrape.
 */
public final class PodScraper {

    // Ask for text 0.0.4 first: servers that negotiate (prometheus_client, promhttp) would otherwise be free to
    // pick OpenMetrics, which we read too, but 0.0.4 is what every server speaks.
    static final String TEXT_ACCEPT = "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5,*/*;q=0.1";
    static final String QUEUE_PROXY_ACCEPT = "application/protobuf";

    private final ChannelFactory<? extends Channel> channels;
    private final Clock clock;
    private final int timeoutMillis;
    private final int maxBodyBytes;

    public PodScraper(Vertx vertx, Clock clock, Duration timeout, int maxBodyBytes) {
        // Vert.x's transport: NIO, or epoll where Quarkus is told to prefer the native one; it matches the loops.
        this.channels = ((VertxInternal) vertx).transport().channelFactory(false);
        this.clock = clock;
        this.timeoutMillis = (int) timeout.toMillis();
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The request line and headers of one pod's page, encoded once: every scrape writes the same bytes. */
    static byte[] request(String ip, MetricsEndpoint endpoint) {
        // The path is visible ASCII without spaces (MetricsEndpoint refuses anything else), so it cannot split
        // the request line or add a header.
        return ("GET " + endpoint.path() + " HTTP/1.1\r\n"
                + "Host: " + NetUtil.toSocketAddressString(ip, endpoint.port()) + "\r\n"
                + "Accept: " + (endpoint.format() == MetricsEndpoint.Format.QUEUE_PROXY
                        ? QUEUE_PROXY_ACCEPT : TEXT_ACCEPT) + "\r\n"
                + "User-Agent: hpa-metrics-adapter\r\n"
                + "Accept-Encoding: gzip\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A pod's connection, opened at its first scrape. All its methods run on {@code loop}, which its channels
     * are registered on too: nothing in it is shared between threads.
     *
     * @param where the page's address, for failure messages
     */
    public Connection connection(String ip, MetricsEndpoint endpoint, EventLoop loop, String where) {
        byte[] address = NetUtil.createByteArrayFromIpAddressString(ip);
        InetSocketAddress socket = null;
        if (address != null) {
            try {
                socket = new InetSocketAddress(InetAddress.getByAddress(address), endpoint.port());
            } catch (UnknownHostException e) {
                // only thrown for an array of the wrong length, which NetUtil does not make
            }
        }
        return new Connection(socket, request(ip, endpoint), loop, where);
    }

    int timeoutMillis() {
        return timeoutMillis;
    }

    /**
     * One pod's kept-alive connection and the scrape in flight on it, if any (one at a time: the scheduler skips
     * a pod whose last scrape still runs).
     */
    public final class Connection {
        private final InetSocketAddress address;
        private final byte[] request;
        private final EventLoop loop;
        private final String where;
        /** The open (or opening) channel; null when there is none. Events of any other channel are stale. */
        private Channel channel;
        private boolean closed;

        // The scrape in flight; done is null when there is none.
        private BiConsumer<Page, ScrapeFailure> done;
        private long sentAtNanos;
        private long atMillis;
        /** Sent on a connection kept alive from an earlier scrape, which the pod may have closed meanwhile. */
        private boolean reused;
        private boolean headSeen;
        /** A 1xx answer is being read: the real one follows it. */
        private boolean interim;
        private boolean keepAlive;
        private String contentType;
        private PageBody body;

        Connection(InetSocketAddress address, byte[] request, EventLoop loop, String where) {
            this.address = address;
            this.request = request;
            this.loop = loop;
            this.where = where;
        }

        /**
         * Starts a scrape; {@code done} gets the page or the failure, exactly once, on the loop (perhaps before
         * this returns). The caller calls {@link #expire} once the timeout has passed.
         */
        public void start(BiConsumer<Page, ScrapeFailure> done) {
            if (this.done != null) {
                throw new IllegalStateException("a scrape of " + where + " is still in flight");
            }
            this.done = done;
            headSeen = false;
            interim = false;
            body = null;
            if (closed) {
                fail(new ScrapeFailure(Reason.CONNECT_ERROR, "the scrape of " + where + " was stopped"));
            } else if (address == null) {
                fail(new ScrapeFailure(Reason.CONNECT_ERROR, "cannot connect to " + where
                        + ": the pod's IP is not an IP address"));
            } else if (channel != null && channel.isActive()) {
                reused = true;
                send();
            } else {
                reused = false;
                open();
            }
        }

        /** The timeout has passed: fails the scrape in flight, if any; harmless after it has finished. */
        public void expire() {
            if (done != null) {
                fail(new ScrapeFailure(Reason.TIMEOUT, "no full answer from " + where + " within " + timeoutMillis
                        + "ms"));
            }
        }

        /** The pod is no longer scraped: closes the connection, and fails the scrape in flight. */
        public void close() {
            closed = true;
            if (done != null) {
                fail(new ScrapeFailure(Reason.CONNECT_ERROR, "the scrape of " + where + " was stopped"));
            }
            drop();
        }

        private void open() {
            drop();
            ChannelFuture connecting = new Bootstrap()
                    .group(loop)
                    .channelFactory(channels)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new Reader())
                    .connect(address);
            Channel opening = connecting.channel();
            channel = opening;
            connecting.addListener(connected -> {
                if (opening != channel || done == null) {
                    return; // given up meanwhile (deadline, stop): drop() closed it
                }
                if (connected.isSuccess()) {
                    send();
                } else {
                    fail(new ScrapeFailure(Reason.CONNECT_ERROR, "cannot connect to " + where + ": "
                            + connected.cause().getMessage()));
                }
            });
        }

        private void send() {
            sentAtNanos = System.nanoTime();
            ByteBuf bytes = channel.alloc().ioBuffer(request.length).writeBytes(request);
            // A failed write reaches Reader.exceptionCaught, which fails the scrape: no listener per write.
            channel.writeAndFlush(bytes, channel.voidPromise());
        }

        private void head(HttpResponse response) {
            DecoderResult decoded = response.decoderResult();
            if (decoded.isFailure()) {
                malformed(decoded.cause());
                return;
            }
            int status = response.status().code();
            if (status / 100 == 1 && status != 101) {
                interim = true; // 100 Continue, 103 Early Hints: the answer follows
                return;
            }
            headSeen = true;
            atMillis = clock.millis() - (System.nanoTime() - sentAtNanos) / 2_000_000;
            HttpHeaders headers = response.headers();
            keepAlive = HttpUtil.isKeepAlive(response);
            contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
            try {
                body = PageBody.startOrFail(where, status, headers.get(HttpHeaderNames.LOCATION),
                        headers.get(HttpHeaderNames.CONTENT_ENCODING), headers.get(HttpHeaderNames.CONTENT_LENGTH),
                        maxBodyBytes);
            } catch (ScrapeFailure refused) {
                fail(refused);
            }
        }

        private void content(HttpContent content) {
            DecoderResult decoded = content.decoderResult();
            if (decoded.isFailure()) {
                malformed(decoded.cause());
                return;
            }
            boolean last = content instanceof LastHttpContent;
            if (interim) {
                interim = !last;
                return;
            }
            if (!body.append(content.content())) {
                fail(body.overCap(where));
                return;
            }
            if (last) {
                finish();
            }
        }

        private void finish() {
            BiConsumer<Page, ScrapeFailure> settle = done;
            PageBody read = body;
            done = null;
            body = null;
            if (!keepAlive) {
                drop(); // the pod said Connection: close (or spoke HTTP/1.0): the next scrape connects again
            }
            try {
                settle.accept(read.finish(contentType, atMillis, where), null);
            } catch (ScrapeFailure failure) {
                settle.accept(null, failure);
            }
        }

        private void malformed(Throwable cause) {
            if (cause instanceof PrematureChannelClosureException) {
                closedEarly();
            } else {
                fail(new ScrapeFailure(Reason.BAD_PAGE, where + " sent a malformed HTTP answer: "
                        + cause.getMessage()));
            }
        }

        private void closedEarly() {
            endedEarly("connection to " + where + " closed before the answer ended");
        }

        private void broken(Throwable cause) {
            endedEarly("connection to " + where + " failed: " + cause.getMessage());
        }

        /**
         * The connection ended before the answer did. On a connection kept from an earlier scrape, before any of
         * the answer came, the pod most likely closed it while idle: ask once more on a new one. Else it fails.
         */
        private void endedEarly(String detail) {
            if (reused && !headSeen) {
                reused = false; // once
                open();
            } else {
                fail(new ScrapeFailure(Reason.CONNECT_ERROR, detail));
            }
        }

        /** Settles the scrape in flight with a failure and closes its connection, so nothing of it lingers. */
        private void fail(ScrapeFailure failure) {
            BiConsumer<Page, ScrapeFailure> settle = done;
            done = null;
            body = null;
            drop();
            settle.accept(null, failure);
        }

        private void drop() {
            Channel open = channel;
            channel = null;
            if (open != null) {
                open.close();
            }
        }

        /** The handler of one channel: hands what it reads to the connection while it is the connection's. */
        private final class Reader extends ChannelInboundHandlerAdapter {

            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                ctx.pipeline().addBefore(ctx.name(), null, new HttpResponseDecoder());
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (ctx.channel() != channel || done == null) {
                        ctx.close(); // stale, or bytes nobody asked for: this connection can no longer be trusted
                        return;
                    }
                    if (msg instanceof HttpResponse response) {
                        head(response);
                    }
                    if (done != null && msg instanceof HttpContent content) {
                        content(content);
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (ctx.channel() == channel) {
                    channel = null;
                    if (done != null) {
                        closedEarly();
                    }
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // Resets and write failures of a scrape are its failure, counted and shown; never logged as errors.
                if (ctx.channel() == channel && done != null) {
                    broken(cause);
                }
                ctx.close();
            }
        }
    }
}
