package dev.hpa.adapter.scrape;

import dev.hpa.adapter.scrape.ScrapeFailure.Reason;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * The rules every page read obeys, whichever client reads it (pods' {@link PodScraper}, kubelets'
 * {@link PageFetcher}), and one answer's body as it arrives under them: only a 200 is a page; redirects are not
 * followed (a pod's page is where its annotations say); encodings other than gzip, which we ask for, are refused;
 * the body may hold at most {@code max} bytes, checked as it arrives, and so may a gzip body once inflated (the
 * inflating stops there). The body is read in place into one array sized from Content-Length when the server sends
 * one, where a growing buffer would be resized on the way and copied out once more at the end.
 */
final class PageBody {

    /** A page without Content-Length (chunked) starts here and doubles; most pages of a few KB fit. */
    static final int INITIAL_BYTES = 8192;

    private final boolean gzip;
    private final int max;
    private byte[] bytes;
    private int length;

    private PageBody(long declaredLength, boolean gzip, int max) {
        this.gzip = gzip;
        this.max = max;
        this.bytes = new byte[declaredLength > 0 ? (int) declaredLength : INITIAL_BYTES];
    }

    /**
     * The body of an answer whose head was read, or the failure that its head already is.
     *
     * @param location      the Location header, named in the failure of a redirect
     * @param encoding      the Content-Encoding header, or null
     * @param declaredLength the Content-Length header, or null
     */
    static PageBody startOrFail(String where, int status, String location, String encoding, String declaredLength,
            int max) throws ScrapeFailure {
        if (status != 200) {
            throw new ScrapeFailure(Reason.HTTP_ERROR, "HTTP " + status + " from " + where
                    + (status / 100 == 3 ? " (redirects are not followed; it points to " + location
                            + ": fix the port/path annotation)" : ""), status);
        }
        boolean gzip = encoding != null && (encoding.equalsIgnoreCase("gzip") || encoding.equalsIgnoreCase("x-gzip"));
        if (encoding != null && !gzip && !encoding.equalsIgnoreCase("identity")) {
            throw new ScrapeFailure(Reason.BAD_PAGE, where + " sent Content-Encoding: " + encoding
                    + ", which the adapter does not ask for (it asks for gzip or none)");
        }
        long length = declaredLength == null ? -1 : parseLong(declaredLength);
        if (length > max) {
            throw tooLarge(where, declaredLength + " bytes", max);
        }
        return new PageBody(length, gzip, max);
    }

    /** Adds what arrived; false, keeping nothing more, once the body would pass the cap. */
    boolean append(ByteBuf chunk) {
        int n = chunk.readableBytes();
        // Cap the body: a pod serving a 200 MB page must cost one failed scrape, not the heap.
        if (length + n > max) {
            return false;
        }
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.min(max, Math.max(length + n, bytes.length * 2)));
        }
        chunk.getBytes(chunk.readerIndex(), bytes, length, n);
        length += n;
        return true;
    }

    /** The failure of a body that passed the cap as it arrived. */
    ScrapeFailure overCap(String where) {
        return tooLarge(where, "more than " + max + " bytes", max);
    }

    /** The page, inflated if it came gzipped. */
    Page finish(String contentType, long atMillis, String where) throws ScrapeFailure {
        if (!gzip) {
            return new Page(contentType, bytes, length, atMillis);
        }
        byte[] page;
        try {
            page = gunzip(bytes, length, max);
        } catch (IOException e) {
            throw new ScrapeFailure(Reason.BAD_PAGE, where + " sent a broken gzip body: " + e.getMessage());
        }
        if (page == null) {
            throw tooLarge(where, "a gzip body that inflates to more than " + max + " bytes", max);
        }
        return new Page(contentType, page, page.length, atMillis);
    }

    /** The inflated body, or null when it would be longer than {@code max}: inflating stops one byte past it. */
    static byte[] gunzip(byte[] compressed, int length, int max) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed, 0, length))) {
            byte[] page = in.readNBytes(max + 1);
            return page.length > max ? null : page;
        }
    }

    private static ScrapeFailure tooLarge(String where, String size, int max) {
        return new ScrapeFailure(Reason.TOO_LARGE, where + " sent " + size
                + ", over adapter.scrape.max-body-bytes=" + max);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
