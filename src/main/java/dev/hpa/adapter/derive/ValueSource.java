package dev.hpa.adapter.derive;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.prometheus.PrometheusValues;
import dev.hpa.adapter.window.CpuStore;
import dev.hpa.adapter.window.SampleStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

/** The {@link PodValues} that {@code adapter.source} names. */
@ApplicationScoped
class ValueSource {

    @Produces
    @ApplicationScoped
    PodValues values(AdapterConfig config, SampleStore store, CpuStore cpu, Vertx vertx, MeterRegistry registry) {
        return switch (config.source()) {
            case SCRAPE -> new WindowValues(store, cpu, config, registry);
            case PROMETHEUS -> new PrometheusValues(vertx, config, registry);
        };
    }

    void close(@Disposes PodValues values) {
        if (values instanceof PrometheusValues prometheus) {
            prometheus.close();
        }
    }
}
