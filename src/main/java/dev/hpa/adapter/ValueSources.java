package dev.hpa.adapter;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.derive.PodHistory;
import dev.hpa.adapter.derive.PodValues;
import dev.hpa.adapter.derive.WindowHistory;
import dev.hpa.adapter.derive.WindowValues;
import dev.hpa.adapter.prometheus.PrometheusValues;
import dev.hpa.adapter.window.CpuStore;
import dev.hpa.adapter.window.SampleStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

/**
 * The {@link PodValues} and the {@link PodHistory} that {@code adapter.source} names. Here, above both sources,
 * so that {@code derive} (what an answer is) does not depend on {@code prometheus} (one way to get its numbers).
 */
@ApplicationScoped
class ValueSources {

    /** In prometheus mode, the one client of the engine: the values and the charts share it. */
    private PrometheusValues prometheus;

    @Produces
    @ApplicationScoped
    PodValues values(AdapterConfig config, SampleStore store, CpuStore cpu, Vertx vertx, MeterRegistry registry) {
        return switch (config.source()) {
            case SCRAPE -> new WindowValues(store, cpu, config, registry);
            case PROMETHEUS -> prometheus(vertx, config, registry);
        };
    }

    @Produces
    @ApplicationScoped
    PodHistory history(AdapterConfig config, SampleStore store, CpuStore cpu, Vertx vertx, MeterRegistry registry) {
        return switch (config.source()) {
            case SCRAPE -> new WindowHistory(store, cpu);
            case PROMETHEUS -> prometheus(vertx, config, registry).history();
        };
    }

    private synchronized PrometheusValues prometheus(Vertx vertx, AdapterConfig config, MeterRegistry registry) {
        if (prometheus == null) {
            prometheus = new PrometheusValues(vertx, config, registry);
        }
        return prometheus;
    }

    /** The charts use the values' client, so closing the values closes both. */
    void close(@Disposes PodValues values) {
        if (values instanceof PrometheusValues prometheus) {
            prometheus.close();
        }
    }
}
