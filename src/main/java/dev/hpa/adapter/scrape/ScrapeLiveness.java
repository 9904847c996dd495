package dev.hpa.adapter.scrape;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive while the scrape timers fire. Failing pods do not make the adapter unhealthy (a restart would not
 * mend them); a stuck event loop does.
 */
@Liveness
@ApplicationScoped
public class ScrapeLiveness implements HealthCheck {

    /** Missed heartbeats before the adapter counts as stuck: generous, a restart is expensive. */
    private static final int MISSED_HEARTBEATS = 30;

    private final ScrapeScheduler scheduler;
    private final Clock clock;

    public ScrapeLiveness(ScrapeScheduler scheduler, Clock clock) {
        this.scheduler = scheduler;
        this.clock = clock;
    }

    @Override
    public HealthCheckResponse call() {
        long silentMillis = clock.millis() - scheduler.lastHeartbeat();
        return HealthCheckResponse.named("scrape-timers")
                .status(silentMillis <= MISSED_HEARTBEATS * scheduler.intervalMillis())
                .withData("lastHeartbeatMillisAgo", silentMillis)
                .build();
    }
}
