package dev.hpa.adapter.scrape;

/**
 * A raw metrics page: what its server said it is, and its bytes.
 *
 * @param atMillis the best estimate of when the server wrote the page: half way between sending the request and
 *                 the answer's head arriving, so that a late event loop on either side costs half the delay at
 *                 most (wall clock, ms)
 */
public record Page(String contentType, byte[] body, int length, long atMillis) {}
