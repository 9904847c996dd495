package dev.hpa.adapter.tls;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.config.AdapterConfig.Tls.Engine;
import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import org.junit.jupiter.api.Test;

/** The bundled BoringSSL loads on this platform, and the switch picks the engine of the API's HTTPS server. */
class OpenSslEngineTest {

    @Test
    void theBundledNativeLibraryLoads() {
        assertTrue(OpenSsl.isAvailable(), () -> "netty-tcnative did not load: " + OpenSsl.unavailabilityCause());
    }

    @Test
    void opensslByDefault() {
        HttpServerOptions options = new HttpServerOptions();
        new OpenSslEngine(Engine.OPENSSL).customizeHttpsServer(options);
        assertInstanceOf(OpenSSLEngineOptions.class, options.getSslEngineOptions());
    }

    @Test
    void theJdksOnRequest() {
        HttpServerOptions options = new HttpServerOptions();
        new OpenSslEngine(Engine.JDK).customizeHttpsServer(options);
        assertNull(options.getSslEngineOptions());
    }
}
