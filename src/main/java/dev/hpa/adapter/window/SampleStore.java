package dev.hpa.adapter.window;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.pods.PodKey;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recent load of every scraped pod. Memory is bounded per pod (two rings of observations, sized to the
 * stable window) and a pod's series is dropped as soon as the pod stops being scraped.
 */
// @Singleton, not @ApplicationScoped: an answer looks up every selected pod here, and a client proxy put a context
// lookup in front of each of those (2 % of a 100-pod answer).
@Singleton
public class SampleStore {

    /** Reads missed before a pod's values are left out of answers: two misses are noise, three are an outage. */
    static final int STALE_AFTER_INTERVALS = 3;

    private final Map<PodKey, PodSeries> series = new ConcurrentHashMap<>();
    private final int capacity;
    private final long intervalMillis;
    private final long windowMillis;

    @Inject
    public SampleStore(AdapterConfig config) {
        this(config.window().stable().toMillis(), config.scrape().interval().toMillis());
    }

    SampleStore(long windowMillis, long intervalMillis) {
        // One observation per scrape; a quarter more for timer jitter, so the ring never cuts the window short.
        this.capacity = (int) (windowMillis / intervalMillis * 5 / 4) + 4;
        this.intervalMillis = intervalMillis;
        this.windowMillis = windowMillis;
    }

    public void record(PodKey pod, Reading reading) {
        series(pod).record(reading);
    }

    /** Notes a failed scrape of the pod, so that an answer can say why the pod has no value. */
    public void recordFailure(PodKey pod, String why) {
        series(pod).fail(why);
    }

    private PodSeries series(PodKey pod) {
        return series.computeIfAbsent(pod, k -> new PodSeries(capacity, intervalMillis, staleAfterMillis(),
                windowMillis));
    }

    /** The pod's series, or null when it was never read or has been forgotten. */
    public PodSeries get(PodKey pod) {
        return series.get(pod);
    }

    public void forget(PodKey pod) {
        series.remove(pod);
    }

    public int size() {
        return series.size();
    }

    public long staleAfterMillis() {
        return STALE_AFTER_INTERVALS * intervalMillis;
    }
}
