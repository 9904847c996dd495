package dev.hpa.adapter.scrape;

import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.pods.PodWatcher;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Ready once this replica knows what the replica it replaces knew: the pod informers have listed the pods, and every
 * pod of those first lists that is being scraped has been read {@link #READS} times (a counter gives its first value
 * on the second read), with a value or a failure. Before that, the Service must not send it callers: it would answer
 * 404 for pods it simply has not read yet, and the HPA would count them as missing.
 * <p>
 * A failed read counts as read (the pod is left out with its reason, as on every replica), and a scrape ends within
 * the scrape timeout, so the round normally takes two intervals. Pods that are never read at all (the scrape limit
 * reached on a starved node) hold it back for at most {@link #BOUND_INTERVALS} intervals after the sync. Pods that
 * came after the sync are new to every replica alike and do not hold it back. Once the round is over it stays over;
 * on shutdown Quarkus fails readiness on its own (the shutdown delay, README "Deploying").
 */
@Readiness
@ApplicationScoped
public class ReplicaReadiness implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(ReplicaReadiness.class);
    static final int READS = 2;
    static final int BOUND_INTERVALS = 5;

    private final PodWatcher watcher;
    private final PodIndex index;
    private final ScrapeScheduler scheduler;
    private final Clock clock;
    private final AtomicBoolean roundOver = new AtomicBoolean();

    public ReplicaReadiness(PodWatcher watcher, PodIndex index, ScrapeScheduler scheduler, Clock clock) {
        this.watcher = watcher;
        this.index = index;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    @Override
    public HealthCheckResponse call() {
        var check = HealthCheckResponse.named("pods-listed-and-read")
                .withData("pods", index.size())
                .withData("ready", index.readyCount());
        OptionalLong syncedAt = watcher.syncedAt();
        if (!watcher.synced() || syncedAt.isEmpty()) {
            return check.down().withData("waiting", "for the pod informers to list the pods").build();
        }
        if (roundOver.get()) {
            return check.up().build();
        }
        long unread = watcher.listedAtSync().stream().filter(this::unread).count();
        long waited = clock.millis() - syncedAt.getAsLong();
        if (unread == 0) {
            if (roundOver.compareAndSet(false, true)) {
                LOG.infof("Ready: the %d pods listed at start have been read (seen %d ms after the sync)",
                        watcher.listedAtSync().size(), waited);
            }
            return check.up().build();
        }
        if (waited >= BOUND_INTERVALS * scheduler.intervalMillis()) {
            if (roundOver.compareAndSet(false, true)) {
                LOG.warnf("Ready although %d of the %d pods listed at start were not read %d times within %d ms"
                        + " (scrapes skipped: see adapter_scrapes_total); they are left out until read", unread,
                        watcher.listedAtSync().size(), READS, waited);
            }
            return check.up().build();
        }
        return check.down().withData("podsNotYetRead", unread).build();
    }

    /** A pod of the first lists this replica must still read before it serves. */
    private boolean unread(PodKey key) {
        InferencePod pod = index.get(key);
        if (pod == null) {
            return watcher.listed(key); // on its way from the informer to the index; gone if not listed
        }
        return pod.scrapable() && scheduler.reads(key) < READS;
    }
}
