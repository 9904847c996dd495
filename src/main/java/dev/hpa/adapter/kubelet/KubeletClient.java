package dev.hpa.adapter.kubelet;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.scrape.Page;
import dev.hpa.adapter.scrape.PageFetcher;
import io.fabric8.kubernetes.client.Config;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Reads kubelets' {@code /metrics/resource} the way metrics-server does: straight to the node over HTTPS, with the
 * adapter's service-account token, the kubelet's certificate verified against the cluster CA (or
 * {@code adapter.kubelet.ca-file}) for the node's address. Never through the API server's node proxy, whose
 * permission would also allow exec into every pod.
 */
final class KubeletClient {

    static final String PATH = "/metrics/resource";
    private static final Logger LOG = Logger.getLogger(KubeletClient.class);
    /** Projected service-account tokens rotate (hourly by default): read the file again this often. */
    private static final long TOKEN_REREAD_NANOS = Duration.ofMinutes(1).toNanos();

    private final PageFetcher fetcher;
    private final Config kube;
    private final Path tokenFile;
    private String token;
    private long tokenReadAt;

    KubeletClient(Vertx vertx, Clock clock, AdapterConfig config, Config kube, Path tokenFile) {
        this.kube = kube;
        this.tokenFile = tokenFile;
        HttpClientOptions options = new HttpClientOptions().setName("kubelet-scraper").setSsl(true)
                .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
        String trust;
        AdapterConfig.Kubelet kubelet = config.kubelet();
        if (kubelet.insecureTls()) {
            options.setTrustAll(true).setVerifyHost(false);
            trust = "WITHOUT verifying their certificates (adapter.kubelet.insecure-tls=true)";
        } else if (kubelet.caFile().isPresent()) {
            options.setTrustOptions(new PemTrustOptions().addCertPath(kubelet.caFile().get())).setVerifyHost(true);
            trust = "verifying their certificates against " + kubelet.caFile().get() + " (adapter.kubelet.ca-file)";
        } else if (kube.getCaCertFile() != null && !kube.getCaCertFile().isBlank()) {
            options.setTrustOptions(new PemTrustOptions().addCertPath(kube.getCaCertFile())).setVerifyHost(true);
            trust = "verifying their certificates against the cluster CA " + kube.getCaCertFile();
        } else if (kube.getCaCertData() != null && !kube.getCaCertData().isBlank()) {
            options.setTrustOptions(new PemTrustOptions().addCertValue(
                    Buffer.buffer(Base64.getMimeDecoder().decode(kube.getCaCertData())))).setVerifyHost(true);
            trust = "verifying their certificates against the cluster CA of the kubeconfig";
        } else {
            options.setVerifyHost(true);
            trust = "verifying their certificates against the JVM's default CAs only, as no cluster CA is known "
                    + "(set adapter.kubelet.ca-file)";
        }
        // The body cap of pods is plenty: a node with 110 pods serves about 100 KB.
        this.fetcher = new PageFetcher(vertx, clock, options, timeout(config), config.scrape().maxBodyBytes());
        LOG.infof("Reading CPU from kubelets' %s every %s, %s", PATH, config.kubelet().interval(), trust);
    }

    /** A read must end before the next one is due; metrics-server allows 10 s, which we cap by our interval. */
    static Duration timeout(AdapterConfig config) {
        Duration interval = config.kubelet().interval();
        return interval.compareTo(Duration.ofSeconds(10)) < 0 ? interval.multipliedBy(4).dividedBy(5)
                : Duration.ofSeconds(10);
    }

    Future<Page> fetch(KubeletNode node) {
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(node.address())
                .setPort(node.port())
                .setURI(PATH)
                .putHeader(HttpHeaders.ACCEPT, "text/plain;version=0.0.4")
                .putHeader(HttpHeaders.USER_AGENT, "hpa-metrics-adapter");
        String bearer = token();
        if (bearer != null) {
            request.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + bearer);
        }
        return fetcher.fetch(request, "kubelet " + node.name() + " (" + node.where() + PATH + ")");
    }

    /** The service-account token, read again every minute; else the kubeconfig's token; else none. */
    private synchronized String token() {
        long now = System.nanoTime();
        if (token != null && now - tokenReadAt < TOKEN_REREAD_NANOS) {
            return token;
        }
        tokenReadAt = now;
        if (Files.isReadable(tokenFile)) {
            try {
                token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
                return token;
            } catch (IOException e) {
                LOG.warnf("Cannot read the service-account token %s: %s", tokenFile, e.getMessage());
            }
        }
        token = kube.getAutoOAuthToken() != null ? kube.getAutoOAuthToken() : kube.getOauthToken();
        return token;
    }

    void close() {
        fetcher.close();
    }
}
