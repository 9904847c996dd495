package dev.hpa.adapter.certificates;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.config.KubernetesConnection;
import dev.hpa.adapter.config.StartupProblem;
import dev.hpa.adapter.tls.SelfSignedNames;
import dev.hpa.adapter.tls.ServingCertificate;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The adapter as its own certificate authority. Every replica runs the same reconciliation, and they need no
 * leader: the Secret is written only with its resourceVersion (a replica that loses the race re-reads and finds
 * the work done), APIServices are updated the same way and carry the bundle generation they hold, so a replica
 * with an older view never writes an older bundle. Each replica serves the Secret's pair as soon as its watch sees
 * it, without a restart.
 */
@ApplicationScoped
public class SelfManagedCertificates {

    static final String GENERATION_ANNOTATION = "hpa-metrics-adapter/ca-bundle-generation";
    static final List<String> CUSTOM_METRICS_API_SERVICES = List.of("v1beta2.custom.metrics.k8s.io",
            "v1beta1.custom.metrics.k8s.io");
    static final String METRICS_API_SERVICE = "v1beta1.metrics.k8s.io";
    private static final int ATTEMPTS = 5;
    private static final Logger LOG = Logger.getLogger(SelfManagedCertificates.class);

    private enum Published { YES, NO, STALE }

    private final KubernetesClient client;
    private final Clock clock;
    private final String namespace;
    private final String secretName;
    private final String serviceName;
    private final List<String> apiServices;
    private final ServingNames names;
    /** The bundle this replica serves; also what restores a deleted Secret. */
    private volatile CertificateBundle bundle;
    private Consumer<ServingCertificate> serve;
    private SharedIndexInformer<Secret> informer;
    /** Conditions logged once until they change, per subject: an absent APIService must not log every 30 s. */
    private final Map<String, String> logged = new HashMap<>();

    @Inject
    public SelfManagedCertificates(KubernetesClient client, AdapterConfig config, Clock clock) {
        this(client, clock, SelfSignedNames.podNamespace().orElseGet(client::getNamespace),
                config.tls().selfManaged().secretName(), config.serviceName(), apiServices(config));
    }

    SelfManagedCertificates(KubernetesClient client, Clock clock, String namespace, String secretName,
            String serviceName, List<String> apiServices) {
        this.client = client;
        this.clock = clock;
        this.namespace = namespace;
        this.secretName = secretName;
        this.serviceName = serviceName;
        this.apiServices = List.copyOf(apiServices);
        this.names = namespace == null ? null : ServingNames.of(serviceName, namespace);
    }

    /** The custom.metrics APIServices, and metrics.k8s.io's only when the adapter serves that API. */
    private static List<String> apiServices(AdapterConfig config) {
        List<String> names = new ArrayList<>(CUSTOM_METRICS_API_SERVICES);
        if (config.metricsApi().enabled()) {
            names.add(METRICS_API_SERVICE);
        }
        return names;
    }

    /**
     * Makes sure the Secret holds a usable pair (creating it when absent), publishes its CAs, and starts watching
     * it; {@code serve} receives the pair, then every later one. Called once, before the HTTPS server starts.
     *
     * @throws StartupProblem when the Secret cannot be read or written
     */
    public synchronized void start(Consumer<ServingCertificate> serve) {
        if (namespace == null) {
            throw new StartupProblem("adapter.tls.self-managed.enabled=true, but the adapter's namespace is unknown:"
                    + " set POD_NAMESPACE (the Deployment sets it from metadata.namespace)");
        }
        KubernetesConnection.requireConfigured(client);
        try {
            reconcile();
        } catch (KubernetesClientException e) {
            throw new StartupProblem(KubernetesConnection.describe(e, client, "Cannot keep the self-managed"
                    + " certificates in Secret " + where(), "Bind the Role of"
                    + " manifests/components/self-managed-certificates, or set adapter.tls.self-managed.enabled=false"
                    + " and provide a certificate"), e);
        }
        if (bundle == null) {
            throw new StartupProblem("Secret " + where() + " did not settle after " + ATTEMPTS
                    + " attempts (other writers keep changing it)");
        }
        this.serve = serve;
        serve.accept(bundle.serving());
        LOG.infof("Serving the self-managed certificate from Secret %s: %s", where(), bundle.serving().describe());
        informer = secret().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret secret) {
                adopt(secret);
            }

            @Override
            public void onUpdate(Secret old, Secret secret) {
                adopt(secret);
            }

            @Override
            public void onDelete(Secret secret, boolean finalStateUnknown) {
                CompletableFuture.runAsync(SelfManagedCertificates.this::reconcileQuietly);
            }
        });
    }

    /** Renewal and APIService repair need no event: look every 30 s (three GETs for two replicas). */
    @Scheduled(every = "30s", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void periodically() {
        if (serve != null) {
            reconcileQuietly();
        }
    }

    void reconcileQuietly() {
        try {
            reconcile();
            onceCleared("reconcile");
        } catch (KubernetesClientException e) {
            once("reconcile", Logger.Level.WARN, "Cannot maintain the self-managed certificates, serving the current"
                    + " pair meanwhile: " + secretProblem(e));
        }
    }

    /** One pass: read the Secret, publish its CAs, write the next bundle if one is due; repeat after a lost race. */
    synchronized void reconcile() {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Secret secret = secret().get();
            Optional<CertificateBundle> stored = decode(secret);
            if (stored.isEmpty() && bundle != null) {
                LOG.warnf("Secret %s is %s; restoring the certificates this replica serves", where(),
                        secret == null ? "gone" : "unusable");
                write(secret, bundle);
                continue;
            }
            Published published = stored.map(this::publish).orElse(Published.NO);
            if (published == Published.STALE) {
                continue;
            }
            Optional<Rotation.Plan> plan = Rotation.plan(stored, clock.instant(), names, published == Published.YES);
            if (plan.isEmpty()) {
                settled(stored.get());
                return;
            }
            if (write(secret, plan.get().next())) {
                LOG.infof("Self-managed certificates in Secret %s: %s", where(), plan.get().why());
                settled(plan.get().next());
            }
        }
        LOG.warnf("Secret %s did not settle after %d attempts; trying again in 30 s", where(), ATTEMPTS);
    }

    /**
     * Writes the bundle to the Secret, creating it or replacing the version that was read.
     *
     * @return false when another writer came first (the caller re-reads)
     */
    private boolean write(Secret read, CertificateBundle next) {
        Secret desired = new SecretBuilder()
                .withNewMetadata()
                .withName(secretName)
                .withNamespace(namespace)
                .addToLabels("app.kubernetes.io/name", "hpa-metrics-adapter")
                .addToLabels("app.kubernetes.io/managed-by", "hpa-metrics-adapter")
                .addToAnnotations(GENERATION_ANNOTATION, Long.toString(next.generation()))
                .endMetadata()
                .withType("kubernetes.io/tls")
                .withData(next.toSecretData())
                .build();
        try {
            if (read == null) {
                client.secrets().inNamespace(namespace).resource(desired).create();
            } else {
                desired.getMetadata().setResourceVersion(read.getMetadata().getResourceVersion());
                desired.setType(read.getType()); // immutable once created
                Map<String, String> labels = new HashMap<>(Objects.requireNonNullElse(read.getMetadata().getLabels(),
                        Map.of()));
                labels.putAll(desired.getMetadata().getLabels());
                desired.getMetadata().setLabels(labels);
                Map<String, String> annotations = new HashMap<>(Objects.requireNonNullElse(
                        read.getMetadata().getAnnotations(), Map.of()));
                annotations.putAll(desired.getMetadata().getAnnotations());
                desired.getMetadata().setAnnotations(annotations);
                client.secrets().inNamespace(namespace).resource(desired).update();
            }
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                LOG.debugf("Secret %s was written by another replica first; reading it again", where());
                return false;
            }
            throw e;
        }
    }

    /**
     * Makes every APIService the adapter serves trust the bundle's CAs.
     *
     * @return YES when all of them that exist and point at the adapter's Service do; STALE when one holds a newer
     *         generation than this view of the Secret
     */
    private Published publish(CertificateBundle current) {
        String caBundle = Base64.getEncoder().encodeToString(current.authoritiesPem()
                .getBytes(StandardCharsets.US_ASCII));
        boolean all = true;
        for (String name : apiServices) {
            Published one = publish(name, caBundle, current.generation());
            if (one == Published.STALE) {
                return one;
            }
            all &= one == Published.YES;
        }
        return all ? Published.YES : Published.NO;
    }

    private Published publish(String name, String caBundle, long generation) {
        Resource<APIService> resource = client.resources(APIService.class).withName(name);
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            APIService apiService;
            try {
                apiService = resource.get();
            } catch (KubernetesClientException e) {
                once(name, Logger.Level.WARN, "Cannot read APIService " + name + ": " + apiServiceProblem(e, "get"));
                return Published.NO;
            }
            if (apiService == null) {
                // Not registered (yet): nobody verifies the adapter through it, so nothing waits on it.
                once(name, Logger.Level.INFO, "APIService " + name + " does not exist; its caBundle will be set"
                        + " once it is registered");
                return Published.YES;
            }
            APIServiceSpec spec = apiService.getSpec();
            ServiceReference service = spec == null ? null : spec.getService();
            if (service == null || !serviceName.equals(service.getName())
                    || !namespace.equals(service.getNamespace())) {
                once(name, Logger.Level.WARN, "APIService " + name + " points at "
                        + (service == null ? "no service" : "Service " + service.getNamespace() + "/" + service.getName())
                        + ", not at " + namespace + "/" + serviceName + ": another adapter owns it; leaving it alone");
                return Published.YES;
            }
            long theirs = generationOf(apiService.getMetadata().getAnnotations());
            if (theirs > generation) {
                return Published.STALE;
            }
            if (caBundle.equals(spec.getCaBundle()) && theirs == generation
                    && !Boolean.TRUE.equals(spec.getInsecureSkipTLSVerify())) {
                onceCleared(name);
                return Published.YES;
            }
            spec.setCaBundle(caBundle);
            spec.setInsecureSkipTLSVerify(null); // never both: the aggregator must verify the adapter
            Map<String, String> annotations = new HashMap<>(Objects.requireNonNullElse(
                    apiService.getMetadata().getAnnotations(), Map.of()));
            annotations.put(GENERATION_ANNOTATION, Long.toString(generation));
            apiService.getMetadata().setAnnotations(annotations);
            try {
                client.resource(apiService).update();
                LOG.infof("APIService %s now trusts the adapter's CA bundle (generation %d)", name, generation);
                onceCleared(name);
                return Published.YES;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    once(name, Logger.Level.WARN, "Cannot update APIService " + name + ": "
                            + apiServiceProblem(e, "update"));
                    return Published.NO;
                }
                // The aggregator rewrites the status all the time: read it again and retry.
            }
        }
        return Published.NO;
    }

    /**
     * Before the watch runs, what reconciliation settled on is the pair to serve. Afterwards only the watch changes
     * it: it delivers the Secret's versions in order, where a reconcile racing with it could hand over an older one.
     */
    private synchronized void settled(CertificateBundle next) {
        if (informer == null) {
            bundle = next;
        }
    }

    /** Serves the Secret's pair when it is new; a Secret that does not decode is left to the next reconcile. */
    private void adopt(Secret secret) {
        decode(secret).ifPresent(this::adopt);
    }

    private synchronized void adopt(CertificateBundle next) {
        CertificateBundle before = bundle;
        bundle = next;
        if (before != null && serve != null
                && !before.serving().sha256Fingerprint().equals(next.serving().sha256Fingerprint())) {
            serve.accept(next.serving());
            LOG.infof("Serving the new self-managed certificate from Secret %s: %s", where(),
                    next.serving().describe());
        }
    }

    private Optional<CertificateBundle> decode(Secret secret) {
        if (secret == null) {
            return Optional.empty();
        }
        try {
            CertificateBundle decoded = CertificateBundle.fromSecretData("Secret " + where(), secret.getData(),
                    generationOf(secret.getMetadata().getAnnotations()));
            onceCleared("decode");
            return Optional.of(decoded);
        } catch (IllegalArgumentException e) {
            once("decode", Logger.Level.ERROR, "Secret " + where() + " cannot be used (" + e.getMessage()
                    + "); it will be replaced");
            return Optional.empty();
        }
    }

    private static long generationOf(Map<String, String> annotations) {
        String value = annotations == null ? null : annotations.get(GENERATION_ANNOTATION);
        try {
            return value == null ? 0 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Resource<Secret> secret() {
        return client.secrets().inNamespace(namespace).withName(secretName);
    }

    private String where() {
        return namespace + "/" + secretName;
    }

    private String secretProblem(KubernetesClientException e) {
        if (e.getCode() == 403) {
            return "forbidden to read or write Secret " + where() + " (" + statusMessage(e) + "): bind the Role"
                    + " of manifests/components/self-managed-certificates, or set"
                    + " adapter.tls.self-managed.enabled=false and provide a certificate";
        }
        return "Secret " + where() + ": " + statusMessage(e);
    }

    private static String apiServiceProblem(KubernetesClientException e, String verb) {
        return e.getCode() == 403
                ? "forbidden (" + statusMessage(e) + "): grant " + verb + " on this apiservice to the adapter's"
                        + " ServiceAccount (manifests/components/self-managed-certificates)"
                : statusMessage(e);
    }

    private static String statusMessage(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : String.valueOf(e.getMessage());
    }

    private synchronized void once(String subject, Logger.Level level, String message) {
        if (!message.equals(logged.put(subject, message))) {
            LOG.log(level, message);
        }
    }

    private synchronized void onceCleared(String subject) {
        logged.remove(subject);
    }

    void stop(@Observes ShutdownEvent event) {
        if (informer != null) {
            informer.stop();
        }
    }
}
