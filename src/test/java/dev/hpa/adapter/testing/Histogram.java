package dev.hpa.adapter.testing;

import java.util.Arrays;

/** Cumulative latency histogram with one server's bucket bounds (seconds); not thread-safe, {@link Ledger} guards it. */
final class Histogram {
    /** prometheus_client's default buckets, which KServe's request_*_seconds histograms use. */
    static final double[] PYTHON_DEFAULT = {.005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5, 10};
    /** vLLM's request_latency_buckets for vllm:e2e_request_latency_seconds. */
    static final double[] VLLM_E2E = {
            0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0,
            120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
    /** TGI's 35 geometric buckets for every *_duration histogram (router/src/server.rs: 0.0001 × 1.5^k). */
    static final double[] TGI_DURATION = tgiDurationBuckets();
    /** OTel semantic-conventions advice for http.server.request.duration. */
    static final double[] OTEL_HTTP = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10};

    private final double[] bounds;
    private final long[] counts; // per bucket, not cumulative; the +Inf bucket is counts[bounds.length]
    private double sum;
    private long count;

    Histogram(double[] bounds) {
        this.bounds = bounds;
        this.counts = new long[bounds.length + 1];
    }

    private Histogram(Histogram other) {
        this.bounds = other.bounds;
        this.counts = other.counts.clone();
        this.sum = other.sum;
        this.count = other.count;
    }

    /** A histogram of {@code count} observations summing to {@code sum}, all placed in the bucket of their mean. */
    static Histogram ofTotals(double[] bounds, long count, double sum) {
        Histogram h = new Histogram(bounds);
        if (count > 0) {
            h.counts[bucketOf(bounds, sum / count)] = count;
            h.count = count;
            h.sum = sum;
        }
        return h;
    }

    void observe(double seconds) {
        counts[bucketOf(bounds, seconds)]++;
        sum += seconds;
        count++;
    }

    Histogram copy() {
        return new Histogram(this);
    }

    double[] bounds() {
        return bounds;
    }

    /** Count of observations ≤ bounds[i], as the _bucket samples print it. */
    long cumulative(int i) {
        long c = 0;
        for (int k = 0; k <= i; k++) {
            c += counts[k];
        }
        return c;
    }

    double sum() {
        return sum;
    }

    long count() {
        return count;
    }

    private static int bucketOf(double[] bounds, double value) {
        int i = Arrays.binarySearch(bounds, value);
        return i >= 0 ? i : -i - 1; // le is inclusive: a value equal to a bound belongs to that bucket
    }

    private static double[] tgiDurationBuckets() {
        double[] b = new double[35];
        double value = 0.0001;
        for (int i = 0; i < b.length; i++) {
            value *= 1.5;
            b[i] = value;
        }
        return b;
    }
}
