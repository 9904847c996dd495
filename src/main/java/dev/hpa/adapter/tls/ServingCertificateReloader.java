package dev.hpa.adapter.tls;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;

/**
 * Polls the certificate files so a rotated pair is served from the next handshake on. Polling by content, not inotify
 * on the files, because a Secret volume update is an atomic swap of the {@code ..data} symlink that leaves the
 * watched paths themselves untouched.
 */
@ApplicationScoped
public class ServingCertificateReloader {

    @Inject
    ServingCertificateSource source;
    @Inject
    TlsConfigurationRegistry registry;

    @Scheduled(every = "${adapter.tls.reload-check-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reloadWhenFilesChange() {
        if (source.refresh()) {
            refreshRegistrySnapshot();
        }
    }

    /**
     * The server already presents the new pair through {@link ServingKeyManager}; this only renews the key store the
     * registry hands out. No {@code CertificateUpdatedEvent} on purpose: it makes Vert.x rebuild its SSL context, and
     * connections accepted meanwhile are dropped.
     */
    private void refreshRegistrySnapshot() {
        registry.get(ServingKeyStoreProvider.TLS_CONFIGURATION_NAME).ifPresent(TlsConfiguration::reload);
    }
}
