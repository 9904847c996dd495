package dev.hpa.adapter.playground;

import dev.hpa.adapter.playground.CustomMetricsClient.MetricsUnavailableException;
import dev.hpa.adapter.testing.HeldLoad;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Issued;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import dev.hpa.adapter.testing.TestCertificates.PemFiles;
import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestIdentities;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The KServe autoscaling scenario on this machine, no cluster needed: the TorchServe InferenceService
 * {@code kserve-test/torchserve} with target concurrency 10, one predictor pod, the real adapter (the production jar,
 * in its own JVM), kube-apiserver with its aggregator, and the HPA controller every 15 s. Send 50 concurrent
 * requests and watch it go to 5 pods, and back to 1 after the load stops. Everything listens on 127.0.0.1 only.
 *
 * <p>Settings (system properties): {@code playground.load} (built-in load, concurrent requests; 0 = none),
 * {@code playground.load-duration}, {@code playground.hpa-period}, {@code playground.scale-down-window},
 * {@code playground.readiness-delay}, {@code playground.service-time} (ISO-8601 or e.g. {@code 15s}),
 * {@code playground.dir}, {@code playground.adapter-jar}.
 */
public final class Playground {

    static final String NAMESPACE = "kserve-test";
    static final String ISVC = "torchserve";
    static final long TARGET_MILLI = 10_000;

    private final long startNanos = System.nanoTime();
    /** What to close on the way out, latest first; guarded by this. */
    private final List<AutoCloseable> running = new ArrayList<>();
    private boolean stopped;

    public static void main(String[] args) throws Exception {
        Playground playground = new Playground();
        Runtime.getRuntime().addShutdownHook(new Thread(playground::stop, "playground-stop"));
        // Started by Maven: if Maven goes (killed rather than Ctrl-C), go too, so the adapter is never left behind.
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        try {
            playground.run();
        } catch (IllegalStateException e) {
            System.err.println("playground: " + e.getMessage());
            System.exit(1);
        }
    }

    void run() throws Exception {
        Path dir = Path.of(setting("playground.dir", "target/playground")).toAbsolutePath();
        Path jar = AdapterProcess.jar(Path.of(setting("playground.adapter-jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath());
        Files.createDirectories(dir);
        Duration period = duration("playground.hpa-period", "15s");
        Duration scaleDownWindow = duration("playground.scale-down-window", "60s");
        Duration readinessDelay = duration("playground.readiness-delay", "5s");
        Duration serviceTime = duration("playground.service-time", "200ms");
        int load = Integer.parseInt(setting("playground.load", "0"));
        Duration loadDuration = duration("playground.load-duration", "60s");

        // Identities: one CA serves (kube-apiserver's front and the adapter), the cluster CA signs users.
        Authority servingCa = TestCertificates.authority("playground-ca");
        Path caFile = servingCa.writeCertificate(dir.resolve("ca.crt"));
        Issued admin = TestIdentities.CLIENT_CA.issue(Leaf.client("playground-admin", "system:masters"));
        PemFiles adminFiles = admin.writePem(dir, "admin");
        Issued hpa = TestIdentities.CLIENT_CA.issue(Leaf.client(EmbeddedApiServer.HPA_USER, "system:serviceaccounts",
                "system:serviceaccounts:kube-system"));
        PemFiles adapterServing = servingCa.issue(Leaf.server("localhost", "127.0.0.1")).writePem(dir, "adapter");

        Vertx vertx = Vertx.vertx();
        add(() -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
        int adapterPort = AdapterProcess.freePort();
        EmbeddedApiServer api = add(new EmbeddedApiServer(vertx, servingCa, 0, adapterPort));
        NamespacedKubernetesClient client = api.client();
        client.genericKubernetesResources(INFERENCE_SERVICES).inNamespace(NAMESPACE).resource(inferenceService())
                .create();
        PredictorPods predictor = add(new PredictorPods(client, vertx, NAMESPACE, ISVC, serviceTime, readinessDelay));
        predictor.scaleTo(1);
        ServiceFront front = add(new ServiceFront(vertx, predictor, 0));

        Path adapterKubeconfig = Files.writeString(dir.resolve("adapter.kubeconfig"), kubeconfig(api.storageUrl(),
                Path.of(api.storageCertificatePath()), null));
        Path adapterLog = dir.resolve("adapter.log");
        System.out.println("Starting the adapter (" + jar + "), log in " + adapterLog);
        // One replica, with no Service in front to leave: the shutdown delay (README "Deploying") would only hold up
        // Ctrl-C, and the exit when this launcher is killed.
        AdapterProcess adapter = add(AdapterProcess.start(jar, adapterKubeconfig, adapterServing.certFile(),
                adapterServing.keyFile(), adapterPort, Map.of("QUARKUS_SHUTDOWN_DELAY", "0s"), adapterLog));
        adapter.awaitReady(servingCa.trustingContext(), Duration.ofSeconds(60));

        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), kubeconfig(api.url(), caFile, adminFiles));
        Path body = Files.writeString(dir.resolve("mnist.json"), "{\"instances\":[{\"data\":\"iVBORw0KGgo=\"}]}\n");
        HpaLoop.Spec spec = new HpaLoop.Spec("concurrency", TARGET_MILLI, 1, 10, period, scaleDownWindow);
        // The HPA object the loop plays, and its target's scale, so the adapter's explain answer can read them.
        client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(NAMESPACE).resource(hpaObject(spec))
                .create();
        api.serveScale(NAMESPACE, ISVC + "-predictor", () -> new ScaleBuilder().withNewMetadata()
                .withNamespace(NAMESPACE).withName(ISVC + "-predictor").endMetadata()
                .withNewSpec().withReplicas(predictor.replicas()).endSpec()
                .withNewStatus().withReplicas(predictor.replicas()).withSelector(predictor.labelSelector()).endStatus()
                .build());
        printBanner(kubeconfig, front, body, spec, predictor, adapter, load, loadDuration);

        CustomMetricsClient asHpa = new CustomMetricsClient(URI.create(api.url()), hpa.clientContext(servingCa), Map.of());
        add(new HpaLoop(spec, client, asHpa, predictor, this::printSync).start());
        CustomMetricsClient asAdmin = new CustomMetricsClient(URI.create(api.url()), admin.clientContext(servingCa),
                Map.of());
        ScheduledExecutorService table = Executors.newSingleThreadScheduledExecutor();
        add(table::shutdownNow);
        table.scheduleAtFixedRate(() -> printRow(predictor, asAdmin), 3, 3, TimeUnit.SECONDS);
        if (load > 0) {
            HeldLoad held = add(new HeldLoad(front.predictUrl()));
            table.schedule(() -> {
                System.out.println(clock() + "  built-in load: " + load + " concurrent requests for "
                        + loadDuration.toSeconds() + " s");
                held.start(load);
            }, 5, TimeUnit.SECONDS);
            table.schedule(() -> {
                held.resize(0);
                System.out.println(clock() + "  built-in load stopped");
            }, 5 + loadDuration.toSeconds(), TimeUnit.SECONDS);
        }
        Thread.currentThread().join(); // until Ctrl-C
    }

    /** Registers something to close on the way out; if Ctrl-C came during start-up, closes it at once instead. */
    private synchronized <T extends AutoCloseable> T add(T resource) throws Exception {
        if (stopped) {
            resource.close();
            throw new IllegalStateException("stopped while starting");
        }
        running.add(0, resource); // closed in reverse order of start
        return resource;
    }

    synchronized void stop() {
        stopped = true;
        if (!running.isEmpty()) {
            System.out.println("Stopping the playground (the adapter, the pods, the API server)");
        }
        for (AutoCloseable resource : running) {
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("playground: while stopping: " + e);
            }
        }
        running.clear();
    }

    // ---- output

    private void printBanner(Path kubeconfig, ServiceFront front, Path body, HpaLoop.Spec spec,
            PredictorPods predictor, AdapterProcess adapter, int load, Duration loadDuration) {
        String metrics = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + NAMESPACE;
        System.out.println("""

                ==== hpa-metrics-adapter playground: KServe's TorchServe autoscaling example, on 127.0.0.1 ====
                InferenceService %s/%s: HPA on the Pods metric concurrency, target averageValue %d, %d..%d replicas,
                  synced every %d s; default scale-up policy; scale-down stabilization window shortened to %d s
                  (default 300 s). New pods load their model for %d s before they are Ready; each request takes %d ms.
                Adapter: pid %d, https://localhost:%d (the production jar, default settings but no shutdown delay)

                  export KUBECONFIG=%s
                  kubectl get --raw %s
                  kubectl get --raw '%s/pods/*/concurrency?labelSelector=serving.kserve.io/inferenceservice=%s'
                  kubectl get --raw %s/inferenceservices.serving.kserve.io/%s/concurrency
                  kubectl get --raw /api/v1/namespaces/%s/pods
                  kubectl get --raw %s/horizontalpodautoscalers.autoscaling/%s-concurrency/explain

                The status page (charts of each pod, the HPA's proposals, the adapter's health), in a browser:
                  kubectl proxy --port=8001
                  open http://localhost:8001%s/inferenceservices.serving.kserve.io/%s/status-page

                Send the load of KServe's example (50 concurrent requests for 60 s), from another terminal:
                  hey -z 60s -c 50 -m POST -D %s %s
                Expect 5 pods within two HPA syncs after the load starts, and 1 pod again about %d s after it stops.%s
                Ctrl-C stops everything.
                """.formatted(NAMESPACE, ISVC, spec.targetMilli() / 1000, spec.minReplicas(), spec.maxReplicas(),
                spec.period().toSeconds(), spec.scaleDownWindow().toSeconds(), predictor.readinessDelay().toSeconds(),
                duration("playground.service-time", "200ms").toMillis(), adapter.pid(), adapter.securePort(),
                kubeconfig, "/apis/custom.metrics.k8s.io/v1beta2", metrics, ISVC, metrics, ISVC, NAMESPACE, metrics, ISVC,
                metrics, ISVC, body,
                front.predictUrl(), spec.scaleDownWindow().plus(spec.period()).toSeconds(),
                load == 0 ? "" : "\nBuilt-in load (-Dplayground.load): %d concurrent requests for %d s, starting in 5 s."
                        .formatted(load, loadDuration.toSeconds())));
        System.out.println(" time  ready/pods  concurrency per pod (adapter, burst window)");
    }

    private void printRow(PredictorPods predictor, CustomMetricsClient asAdmin) {
        List<Predictor> pods = predictor.current();
        long ready = pods.stream().filter(Predictor::ready).count();
        StringBuilder row = new StringBuilder("%s  %d/%d        ".formatted(clock(), ready, pods.size()));
        try {
            Map<String, Long> values = asAdmin.podValues(NAMESPACE, "concurrency", predictor.labelSelector());
            for (Predictor pod : pods) {
                Long milli = values.get(pod.name());
                row.append(shortName(pod.name())).append(' ')
                        .append(milli == null ? (pod.ready() ? "  -  " : "(loading)") : "%5.1f".formatted(milli / 1e3))
                        .append("  ");
            }
        } catch (MetricsUnavailableException e) {
            // e.g. the moment a new pod starts answering; the whole message is in kubectl get --raw
            String message = e.getMessage();
            row.append("adapter: ").append(message.length() > 110 ? message.substring(0, 110) + "…" : message);
        }
        System.out.println(row);
    }

    private void printSync(HpaLoop.Sync sync) {
        String seen = sync.error() != null ? "metrics unavailable (" + sync.error() + ")"
                : "%d value(s), average %.1f (target %d)".formatted(sync.values().size(),
                        sync.sumMilli() / 1e3 / Math.max(1, sync.values().size()), TARGET_MILLI / 1000);
        System.out.println("%s  HPA: %s -> %d replica(s) (formula %d, had %d)".formatted(clock(), seen,
                sync.desiredReplicas(), sync.metricReplicas(), sync.currentReplicas()));
    }

    private String clock() {
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
        return "%2d:%02d".formatted(seconds / 60, seconds % 60);
    }

    private static String shortName(String pod) {
        return pod.substring(pod.lastIndexOf('-') + 1);
    }

    // ---- objects and files

    static final ResourceDefinitionContext INFERENCE_SERVICES = new ResourceDefinitionContext.Builder()
            .withGroup("serving.kserve.io").withVersion("v1beta1").withKind("InferenceService")
            .withPlural("inferenceservices").withNamespaced(true).build();

    /** KServe's example in raw mode, handing autoscaling to an external HPA (the one this playground runs). */
    static GenericKubernetesResource inferenceService() {
        return new GenericKubernetesResourceBuilder().withApiVersion("serving.kserve.io/v1beta1")
                .withKind("InferenceService")
                .withNewMetadata().withNamespace(NAMESPACE).withName(ISVC)
                .addToAnnotations("serving.kserve.io/deploymentMode", "RawDeployment")
                .addToAnnotations("serving.kserve.io/autoscalerClass", "external")
                .endMetadata()
                .addToAdditionalProperties("spec", Map.of("predictor", Map.of("model", Map.of(
                        "modelFormat", Map.of("name", "pytorch"),
                        "storageUri", "gs://kfserving-examples/models/torchserve/image_classifier/v1"))))
                .build();
    }

    /**
     * The HorizontalPodAutoscaler that {@link HpaLoop} plays, as kube-apiserver stores it: the behavior the loop
     * applies ({@link HpaBehavior}: the default scale-up policies, a shortened scale-down window) spelled out.
     */
    static HorizontalPodAutoscaler hpaObject(HpaLoop.Spec spec) {
        return new HorizontalPodAutoscalerBuilder()
                .withNewMetadata().withNamespace(NAMESPACE).withName(ISVC + "-concurrency").endMetadata()
                .withNewSpec()
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(ISVC + "-predictor")
                .endScaleTargetRef()
                .withMinReplicas(spec.minReplicas()).withMaxReplicas(spec.maxReplicas())
                .addNewMetric().withType("Pods").withNewPods().withNewMetric().withName(spec.metric()).endMetric()
                .withNewTarget().withType("AverageValue")
                .withAverageValue(new Quantity(Long.toString(spec.targetMilli() / 1000))).endTarget().endPods()
                .endMetric()
                .withNewBehavior()
                .withNewScaleUp().withStabilizationWindowSeconds(0).withSelectPolicy("Max")
                .addNewPolicy().withType("Pods").withValue(HpaBehavior.SCALE_UP_PODS)
                .withPeriodSeconds((int) HpaBehavior.POLICY_PERIOD.toSeconds()).endPolicy()
                .addNewPolicy().withType("Percent").withValue(HpaBehavior.SCALE_UP_PERCENT)
                .withPeriodSeconds((int) HpaBehavior.POLICY_PERIOD.toSeconds()).endPolicy()
                .endScaleUp()
                .withNewScaleDown().withStabilizationWindowSeconds((int) spec.scaleDownWindow().toSeconds())
                .withSelectPolicy("Max").addNewPolicy().withType("Percent").withValue(100).withPeriodSeconds(15)
                .endPolicy().endScaleDown()
                .endBehavior()
                .endSpec().build();
    }

    /** A kubeconfig for {@code server}, trusting {@code ca}; with a client certificate when {@code user} is given. */
    static String kubeconfig(String server, Path ca, PemFiles user) {
        String credentials = user == null ? "{}"
                : "{client-certificate: %s, client-key: %s}".formatted(user.certFile(), user.keyFile());
        return """
                apiVersion: v1
                kind: Config
                clusters: [{name: playground, cluster: {server: "%s", certificate-authority: %s}}]
                users: [{name: playground, user: %s}]
                contexts: [{name: playground, context: {cluster: playground, user: playground, namespace: %s}}]
                current-context: playground
                """.formatted(server, ca, credentials, NAMESPACE);
    }

    /** A system property; unset or empty means the default (Maven passes the profile's empty ones). */
    private static String setting(String property, String fallback) {
        String value = System.getProperty(property, "").trim();
        return value.isEmpty() ? fallback : value;
    }

    private static Duration duration(String property, String fallback) {
        String value = setting(property, fallback);
        try {
            return value.startsWith("P") || value.startsWith("p") ? Duration.parse(value)
                    : value.endsWith("ms") ? Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)))
                    : value.endsWith("s") ? Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)))
                    : Duration.ofSeconds(Long.parseLong(value));
        } catch (RuntimeException e) {
            throw new IllegalStateException(property + "=" + value + " is not a duration (e.g. 15s, 200ms)");
        }
    }
}
