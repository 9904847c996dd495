package dev.hpa.adapter.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything an operator can tune, under the {@code adapter.} prefix (also as env vars: ADAPTER_SCRAPE_INTERVAL).
 * The keys are the product's public interface: README documents each one.
 */
@ConfigMapping(prefix = "adapter")
public interface AdapterConfig {

    /** HTTPS port of the API (HTTP/1.1 and h2). Mapped onto quarkus.http.ssl-port in application.properties. */
    @WithDefault("6443")
    int securePort();

    /**
     * The Service in front of the adapter, in the adapter's namespace: kube-apiserver dials
     * {@code <service-name>.<namespace>.svc}, so generated certificates name it, and the self-managed certificates
     * touch only APIServices that point at it.
     */
    @WithDefault("hpa-metrics-adapter")
    String serviceName();

    Tls tls();

    Authentication authentication();

    Authorization authorization();

    Pods pods();

    Scrape scrape();

    Window window();

    Kubelet kubelet();

    MetricsApi metricsApi();

    /** Metric recipes added by the operator, by name; checked before the built-in ones. */
    Map<String, RecipeConfig> recipes();

    SelfMetrics selfMetrics();

    Events events();

    /**
     * Where the per-pod values come from. {@code scrape}: the adapter reads every ready pod once per
     * {@code adapter.scrape.interval} and the kubelets for CPU, and answers from its own windows. {@code prometheus}:
     * it scrapes nothing and asks a Prometheus-compatible engine ({@link #prometheus()}) one PromQL query per
     * namespace, metric and second. Either way the informer decides which pods are answered and why others are not.
     */
    @WithDefault("scrape")
    Source source();

    /** The kubelets are read for CPU in scrape mode, and in any mode for the resource metrics API. */
    default boolean readsKubelets() {
        return source() == Source.SCRAPE || metricsApi().enabled();
    }

    Prometheus prometheus();

    enum Source {
        SCRAPE, PROMETHEUS
    }

    interface Tls {
        /** PEM serving certificate chain; with key-file. Without both, a self-signed pair is made at start-up. */
        Optional<String> certFile();

        /** PEM private key of {@link #certFile()}. */
        Optional<String> keyFile();

        /** How often the two files are checked for new content (cert-manager rotates them in place). */
        @WithDefault("10s")
        Duration reloadCheckInterval();

        SelfManaged selfManaged();

        /**
         * Who encrypts the API's TLS records: {@code openssl} (BoringSSL from netty-tcnative, bundled for linux
         * amd64 and arm64; the JDK's engine serves, with a warning, where it cannot load) or {@code jdk}.
         */
        @WithDefault("openssl")
        Engine engine();

        enum Engine {
            OPENSSL, JDK
        }
    }

    /**
     * The adapter as its own certificate authority, like KEDA's and cert-controller's: a CA and a serving certificate
     * kept in one Secret of the adapter's namespace, created when absent, renewed before expiry, the CA written to
     * the caBundle of the APIServices it serves. Off for cert-manager and bring-your-own certificates.
     */
    interface SelfManaged {
        @WithDefault("false")
        boolean enabled();

        /** The Secret, in the adapter's namespace, that holds the CA and the serving certificate. */
        @WithDefault("hpa-metrics-adapter-certificates")
        String secretName();
    }

    /**
     * Who is calling. By default everything comes from kube-system/extension-apiserver-authentication, watched so
     * that a rotated CA takes effect at once; the files override it where that configmap cannot be read.
     */
    interface Authentication {
        /** PEM CA bundle that signs kube-apiserver's front-proxy client certificate; overrides the configmap's. */
        Optional<String> requestheaderClientCaFile();

        /** PEM CA bundle for callers presenting client certificates (CN = user, O = groups). */
        Optional<String> clientCaFile();

        /** How long a TokenReview's answer is reused, as kube-apiserver's --authentication-token-webhook-cache-ttl. */
        @WithDefault("10s")
        Duration tokenCacheTtl();
    }

    interface Authorization {
        /** How long a SubjectAccessReview's answer, allow or deny, is reused. */
        @WithDefault("10s")
        Duration cacheTtl();
    }

    interface Pods {
        /** Which pods are inference pods. KServe puts this label on every predictor, transformer and explainer pod. */
        @WithDefault("serving.kserve.io/inferenceservice")
        String labelSelector();

        /** Namespaces to watch; all namespaces when empty. */
        Optional<List<String>> namespaces();
    }

    interface Scrape {
        /** How often each pod is scraped. The KPA samples at 1 Hz; so do we, to average like it does. */
        @WithDefault("1s")
        Duration interval();

        /** Give up on one scrape after this long; shorter than the interval so a slow pod never piles up. */
        @WithDefault("800ms")
        Duration timeout();

        /** Largest metrics page read from a pod; a bigger page costs that pod one failed scrape, not the heap. */
        @WithDefault("4194304")
        int maxBodyBytes();

        /** Scrapes in flight at once across all pods. */
        @WithDefault("256")
        int maxConcurrent();
    }

    interface Window {
        /** The smoothing window, like the KPA's stable window. Served as the {@code *_stable} metrics. */
        @WithDefault("60s")
        Duration stable();

        /** The short window that follows load quickly. Served as {@code concurrency} and {@code rps}. */
        @WithDefault("6s")
        Duration burst();
    }

    /**
     * CPU comes from each node's kubelet ({@code /metrics/resource}, as metrics-server reads it), only for nodes that
     * run a watched inference pod, with the adapter's service-account token.
     */
    interface Kubelet {
        /** How often each such kubelet is read; the kubelet itself refreshes CPU stats every 10-15 s. */
        @WithDefault("5s")
        Duration interval();

        /** PEM CA bundle that signs the kubelets' serving certificates; the cluster CA when absent. */
        Optional<String> caFile();

        /**
         * Skip verifying kubelet certificates, for clusters whose kubelets serve self-signed ones (kind, minikube,
         * kubeadm without serverTLSBootstrap), like metrics-server's --kubelet-insecure-tls. The token still goes.
         */
        @WithDefault("false")
        boolean insecureTls();
    }

    interface MetricsApi {
        /**
         * Also serve metrics.k8s.io/v1beta1 (PodMetrics, NodeMetrics) for the watched pods and their nodes, for
         * {@code kubectl top} and HPA Resource metrics. Off by default: its APIService replaces metrics-server.
         */
        @WithDefault("false")
        boolean enabled();
    }

    /** One operator-defined recipe: how to read concurrency (and optionally request rate) from a server's page. */
    interface RecipeConfig {
        /** Gauges of requests in flight; summed over their series. */
        Optional<List<String>> inFlightGauges();

        /** A counter of time spent serving requests; its rate is the average concurrency (Little's law). */
        Optional<String> busyCounter();

        /** Seconds per unit of {@link #busyCounter()}: 1 for seconds, 1e-6 for microseconds. */
        @WithDefault("1")
        double busyCounterSecondsPerUnit();

        /** Counters of requests; their rate is requests per second. */
        Optional<List<String>> requestCounters();
    }

    /**
     * The adapter's own Prometheus metrics on the management port. By default a scraper needs {@code get} on the
     * non-resource URL {@code /metrics} (TokenReview + SubjectAccessReview, as kube's own components and
     * controller-runtime's secure metrics ask); the health endpoints there stay open.
     */
    interface SelfMetrics {
        /** Serve /metrics to anyone who can reach the port, without a token: only for clusters that want that. */
        @WithDefault("false")
        boolean unauthenticated();
    }

    /**
     * Kubernetes Events on the HPAs that read this adapter's metrics (and on their InferenceServices) when their
     * configuration cannot work as meant: an unknown metric name, a selector matching no inference pod, pods left
     * out and why, CPU utilization without CPU requests, KServe's ownership rules, a Value target on a sum.
     */
    interface Events {
        @WithDefault("true")
        boolean enabled();

        /** How often every watched HPA is checked again (also on each change of the HPA). */
        @WithDefault("30s")
        Duration interval();
    }

    /**
     * The engine read in {@code adapter.source=prometheus}: Prometheus, Thanos Query, Mimir/Cortex or
     * VictoriaMetrics, through its Prometheus HTTP API ({@code /api/v1/query}). Its series must carry the pod's
     * namespace and name as labels ({@link #namespaceLabel()}, {@link #podLabel()}), as kubernetes_sd, PodMonitors
     * and the kubelet's cAdvisor series do.
     */
    interface Prometheus {
        /**
         * Base URL of the HTTP API, without {@code /api/v1}: {@code http://prometheus:9090},
         * {@code http://mimir-query-frontend:8080/prometheus}. Required in prometheus mode.
         */
        Optional<String> url();

        /** A file holding a bearer token sent as {@code Authorization: Bearer}; read again whenever it changes. */
        Optional<String> bearerTokenFile();

        /** PEM CA bundle that signs the engine's serving certificate; the JDK's trusted CAs when absent. */
        Optional<String> caFile();

        /** PEM client certificate for engines that require TLS client authentication; with client-key-file. */
        Optional<String> clientCertFile();

        /** PEM private key of {@link #clientCertFile()}. */
        Optional<String> clientKeyFile();

        /** Headers sent with every query, such as {@code X-Scope-OrgID} for a Mimir or Cortex tenant. */
        Map<String, String> headers();

        /**
         * Give up on a query after this long and answer 503: well under the HPA's 15 s sync and kube-apiserver's
         * 60 s request timeout, so that a slow engine costs the HPA one sync, not a hung request.
         */
        @WithDefault("5s")
        Duration timeout();

        /**
         * How often the engine scrapes the pods. Every window is at least four of these, so that {@code rate()}
         * always has samples to work with: with the usual 15 s, both windows are at least 60 s.
         */
        @WithDefault("15s")
        Duration scrapeInterval();

        /** Queries whose form-encoded body is longer than this are sent with POST (a long URL may be cut). */
        @WithDefault("2048")
        int postAboveBytes();

        /** Largest answer read from the engine; a bigger one fails the request with a 503. */
        @WithDefault("8388608")
        int maxBodyBytes();

        /** The label that holds a pod's namespace on the engine's series. */
        @WithDefault("namespace")
        String namespaceLabel();

        /** The label that holds a pod's name on the engine's series. */
        @WithDefault("pod")
        String podLabel();

        /**
         * Recipes written in PromQL, by name; tried before the operator's {@code adapter.recipes} and the built-in
         * ones, which become PromQL by themselves.
         */
        Map<String, PromqlRecipe> recipes();
    }

    /**
     * One recipe as PromQL: an instant-vector expression with one series per pod, labelled with its namespace and
     * pod name. {@code <<namespace>>} is replaced by the request's namespace and {@code <<window>>} by the range
     * (e.g. {@code 60s}), as in {@code sum by (namespace, pod) (rate(my_busy_seconds_total{namespace="<<namespace>>"}[<<window>>]))}.
     */
    interface PromqlRecipe {
        /** Requests in flight per pod. */
        String concurrency();

        /** Requests per second per pod, if the server counts them. */
        Optional<String> rps();
    }
}
