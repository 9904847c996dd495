package dev.hpa.adapter.pods;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the pod informers have synced; before that an answer could leave out pods that exist. */
@Readiness
@ApplicationScoped
public class InformerReadiness implements HealthCheck {

    private final PodWatcher watcher;
    private final PodIndex index;

    public InformerReadiness(PodWatcher watcher, PodIndex index) {
        this.watcher = watcher;
        this.index = index;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("pod-informers")
                .status(watcher.synced())
                .withData("pods", index.size())
                .withData("ready", index.readyCount())
                .build();
    }
}
