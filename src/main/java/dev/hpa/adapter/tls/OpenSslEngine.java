package dev.hpa.adapter.tls;

import dev.hpa.adapter.config.AdapterConfig;
import io.netty.handler.ssl.OpenSsl;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Runs the API's TLS on OpenSSL (BoringSSL, from netty-tcnative) instead of the JDK's SSLEngine: the JDK's
 * AES-GCM record encryption was a fifth to a third of the adapter's CPU per answer (bench/api.sh, JFR), which
 * OpenSSL does several times faster. The certificate, the client-certificate check and the protocol and cipher
 * lists stay the TLS registry's ("adapter"): only the engine changes. Where the native library cannot load (a
 * platform without a bundled build, e.g. musl), the JDK's engine serves, and the log says so.
 */
@ApplicationScoped
public class OpenSslEngine implements HttpServerOptionsCustomizer {

    private static final Logger LOG = Logger.getLogger(OpenSslEngine.class);

    private final AdapterConfig.Tls.Engine engine;

    @Inject
    OpenSslEngine(AdapterConfig config) {
        this(config.tls().engine());
    }

    OpenSslEngine(AdapterConfig.Tls.Engine engine) {
        this.engine = engine;
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        if (engine == AdapterConfig.Tls.Engine.JDK) {
            LOG.info("TLS engine: the JDK's (adapter.tls.engine=jdk)");
            return;
        }
        if (!OpenSsl.isAvailable()) {
            LOG.warnf("TLS engine: the JDK's, because OpenSSL cannot load here (%s); set adapter.tls.engine=jdk"
                    + " to say that on purpose", OpenSsl.unavailabilityCause());
            return;
        }
        // The session cache serves resumptions; kube-apiserver keeps its connections, so it matters little.
        options.setSslEngineOptions(new OpenSSLEngineOptions().setSessionCacheEnabled(true));
        LOG.infof("TLS engine: %s", OpenSsl.versionString());
    }
}
