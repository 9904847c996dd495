package dev.hpa.adapter.tls;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.tls.runtime.KeyStoreAndKeyCertOptions;
import io.quarkus.tls.runtime.KeyStoreProvider;
import io.smallrye.common.annotation.Identifier;
import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;

/**
 * Gives the TLS registry's "adapter" configuration, and so the HTTPS server, its key material: a key manager that
 * presents the source's current certificate on each handshake, plus a key store snapshot for whoever inspects the
 * configuration.
 */
@ApplicationScoped
@Identifier(ServingKeyStoreProvider.TLS_CONFIGURATION_NAME)
public class ServingKeyStoreProvider implements KeyStoreProvider {

    /** The name in {@code quarkus.tls.<name>.*} and {@code quarkus.http.tls-configuration-name}. */
    public static final String TLS_CONFIGURATION_NAME = "adapter";

    private final ServingCertificateSource source;
    private final ServingKeyManager keyManager;

    @Inject
    ServingKeyStoreProvider(ServingCertificateSource source) {
        this.source = source;
        this.keyManager = new ServingKeyManager(source);
    }

    @Override
    public KeyStoreAndKeyCertOptions getKeyStore(Vertx vertx) {
        return new KeyStoreAndKeyCertOptions(source.current().keyStore(), KeyCertOptions.wrap(keyManager));
    }
}
