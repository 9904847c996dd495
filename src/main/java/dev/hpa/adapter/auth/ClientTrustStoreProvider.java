package dev.hpa.adapter.auth;

import dev.hpa.adapter.tls.ServingKeyStoreProvider;
import io.quarkus.tls.runtime.TrustStoreAndTrustOptions;
import io.quarkus.tls.runtime.TrustStoreProvider;
import io.smallrye.common.annotation.Identifier;
import io.vertx.core.Vertx;
import io.vertx.core.net.TrustOptions;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.KeyStore;
import java.io.IOException;
import java.security.GeneralSecurityException;

/**
 * Gives the HTTPS server its client-certificate trust: {@link ClientTrustManager}, which Vert.x consults on every
 * handshake, so a CA rotated in the configmap applies to the next connection with no reload.
 */
@ApplicationScoped
@Identifier(ServingKeyStoreProvider.TLS_CONFIGURATION_NAME)
public class ClientTrustStoreProvider implements TrustStoreProvider {

    private final AuthenticationSource source;

    public ClientTrustStoreProvider(AuthenticationSource source) {
        this.source = source;
    }

    @Override
    public TrustStoreAndTrustOptions getTrustStore(Vertx vertx) {
        return new TrustStoreAndTrustOptions(emptyKeyStore(), TrustOptions.wrap(source.trust()));
    }

    private static KeyStore emptyKeyStore() {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create an empty key store", e);
        }
    }
}
