package dev.hpa.adapter.events;

import dev.hpa.adapter.api.ApiException;
import dev.hpa.adapter.api.ApiVersion;
import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.derive.ServedMetric;
import dev.hpa.adapter.explain.Explanation;
import dev.hpa.adapter.explain.HpaExplainer;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Events where users look first ({@code kubectl describe hpa}): watches the autoscaling/v2 HPAs that ask
 * custom.metrics.k8s.io for a Pods or Object metric, checks each on every change and every
 * {@code adapter.events.interval}, and records what would keep it from scaling as meant. The checks read the same
 * replay as the explain answer ({@link HpaExplainer}), so an event and the explanation never disagree.
 */
@ApplicationScoped
public class HpaEvents {

    static final String ISVC_API_VERSION = "serving.kserve.io/v1beta1";
    /** Named in full: the generic client would otherwise ask discovery for the plural on every read. */
    static final ResourceDefinitionContext INFERENCE_SERVICES = new ResourceDefinitionContext.Builder()
            .withGroup("serving.kserve.io").withVersion("v1beta1").withKind("InferenceService")
            .withPlural("inferenceservices").withNamespaced(true).build();
    static final String AUTOSCALER_CLASS = "serving.kserve.io/autoscalerClass";
    private static final Logger LOG = Logger.getLogger(HpaEvents.class);

    /** One thing to tell: on the HPA, or on its InferenceService when {@code onInferenceService} is set. */
    record Finding(String type, String reason, String message, String onInferenceService) {
        static Finding warning(String reason, String message) {
            return new Finding("Warning", reason, message, null);
        }
    }

    private final KubernetesClient client;
    private final HpaExplainer explainer;
    private final PodIndex pods;
    private final EventRecorder recorder;
    private final Vertx vertx;
    private final AdapterConfig config;
    private final List<SharedIndexInformer<HorizontalPodAutoscaler>> informers = new ArrayList<>();
    private long timer = -1;

    public HpaEvents(KubernetesClient client, HpaExplainer explainer, PodIndex pods, EventRecorder recorder,
            Vertx vertx, AdapterConfig config) {
        this.client = client;
        this.explainer = explainer;
        this.pods = pods;
        this.recorder = recorder;
        this.vertx = vertx;
        this.config = config;
    }

    void start(@Observes StartupEvent start) {
        if (!config.events().enabled()) {
            return;
        }
        List<String> namespaces = config.pods().namespaces().orElse(List.of());
        var hpas = client.autoscaling().v2().horizontalPodAutoscalers();
        if (namespaces.isEmpty()) {
            informers.add(hpas.inAnyNamespace().runnableInformer(0));
        } else {
            namespaces.forEach(ns -> informers.add(hpas.inNamespace(ns).runnableInformer(0)));
        }
        for (var informer : informers) {
            informer.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(HorizontalPodAutoscaler hpa) {
                    checkLater(hpa);
                }

                @Override
                public void onUpdate(HorizontalPodAutoscaler old, HorizontalPodAutoscaler hpa) {
                    if (!old.getSpec().equals(hpa.getSpec())) {
                        checkLater(hpa); // status updates every sync are no news
                    }
                }

                @Override
                public void onDelete(HorizontalPodAutoscaler hpa, boolean finalStateUnknown) {}
            });
            informer.start().whenComplete((ignored, error) -> {
                if (error != null) {
                    LOG.errorf("Watching HPAs for events failed to start: %s. Grant the adapter get, list, watch on "
                            + "horizontalpodautoscalers.autoscaling, or set adapter.events.enabled=false",
                            error.getMessage());
                }
            });
        }
        timer = vertx.setPeriodic(config.events().interval().toMillis(), id -> vertx.executeBlocking(() -> {
            checkAll();
            return null;
        }, false));
    }

    void stop(@Observes ShutdownEvent stop) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        informers.forEach(SharedIndexInformer::stop);
    }

    private void checkLater(HorizontalPodAutoscaler hpa) {
        vertx.executeBlocking(() -> {
            check(hpa);
            return null;
        }, false);
    }

    /** Every watched HPA, once. */
    public void checkAll() {
        for (var informer : informers) {
            informer.getStore().list().forEach(this::check);
        }
    }

    /** One HPA: its findings, each recorded (deduplicated and rate-limited by the recorder). */
    public synchronized void check(HorizontalPodAutoscaler hpa) {
        if (!asksThisApi(hpa)) {
            return;
        }
        try {
            for (Finding f : findings(hpa)) {
                ObjectReference on = f.onInferenceService() == null ? reference(hpa)
                        : inferenceServiceReference(hpa.getMetadata().getNamespace(), f.onInferenceService());
                recorder.record(on, f.type(), f.reason(), f.message());
            }
        } catch (ApiException | KubernetesClientException e) {
            LOG.debugf("Cannot check HPA %s/%s: %s", hpa.getMetadata().getNamespace(), hpa.getMetadata().getName(),
                    e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf(e, "Checking HPA %s/%s failed", hpa.getMetadata().getNamespace(), hpa.getMetadata().getName());
        }
    }

    List<Finding> findings(HorizontalPodAutoscaler hpa) {
        List<Finding> findings = new ArrayList<>();
        String ns = hpa.getMetadata().getNamespace();
        String name = hpa.getMetadata().getName();
        List<MetricSpec> specs = hpa.getSpec().getMetrics() == null ? List.of() : hpa.getSpec().getMetrics();
        for (MetricSpec spec : specs) {
            if ("Object".equals(spec.getType()) && spec.getObject() != null
                    && "Value".equals(spec.getObject().getTarget().getType())
                    && ServedMetric.named(spec.getObject().getMetric().getName()).isPresent()) {
                var object = spec.getObject();
                findings.add(Finding.warning("ValueTargetOnSum", "Object metric " + object.getMetric().getName()
                        + " of " + object.getDescribedObject().getKind() + "/" + object.getDescribedObject().getName()
                        + " is the sum over its pods, and target type Value " + object.getTarget().getValue()
                        + " makes the HPA multiply value/target by the ready pods, so the proposal grows with the pod "
                        + "count, not the load (a sum of 50 asks for 5 replicas from 1 pod, 25 from 5); "
                        + "use target type AverageValue " + object.getTarget().getValue() + " (per pod)"));
            }
        }
        Explanation explanation = explainer.explain(ApiVersion.V1BETA2.groupVersion(), hpa);
        TreeSet<String> isvcs = new TreeSet<>();
        for (Explanation.Metric m : explanation.metrics()) {
            if (m.error() != null && m.error().startsWith("this adapter does not serve the metric")) {
                findings.add(Finding.warning("UnknownMetric", "metric " + m.name() + " is not served by "
                        + EventRecorder.COMPONENT + "; did you mean " + ServedMetric.closestTo(m.name()).metricName()
                        + "? (served: " + ServedMetric.ALL.stream().map(ServedMetric::metricName)
                                .collect(Collectors.joining(", ")) + ")"));
            }
            if (m.pods() == null) {
                continue;
            }
            var grouped = m.pods();
            grouped.ready().forEach(p -> isvcOf(ns, p.name(), isvcs));
            grouped.missing().forEach(p -> isvcOf(ns, p.name(), isvcs));
            boolean noneWatched = grouped.ready().isEmpty() && grouped.missing().stream()
                    .allMatch(p -> p.reason().startsWith(HpaExplainer.WATCHED_PREFIX))
                    && grouped.unready().stream().allMatch(p -> pods.get(new PodKey(ns, p.name())) == null);
            if (noneWatched) {
                findings.add(Finding.warning("NoInferencePods", "the selector " + explanation.hpa().selector()
                        + " of " + explanation.hpa().scaleTargetRef() + " matches no inference pod this adapter "
                        + "watches, so " + m.name() + " has no values (" + (grouped.missing().size()
                        + grouped.unready().size()) + " pod(s) match it)"));
                continue;
            }
            List<String> withoutRequest = new ArrayList<>();
            for (Explanation.LeftOutPod pod : grouped.missing()) {
                String reason = pod.reason();
                if (reason.contains("has no CPU request")) {
                    withoutRequest.add(pod.name());
                } else if (!passesByItself(reason)) {
                    findings.add(new Finding(reason.contains("scrape failing") ? "Warning" : "Normal",
                            "PodLeftOut", "pod " + pod.name() + " is left out of " + m.name() + ": "
                            + reason.substring(0, reason.indexOf("; the controller")), null));
                }
            }
            if (!withoutRequest.isEmpty()) {
                findings.add(Finding.warning("MissingCpuRequest", "pod(s) " + String.join(", ", withoutRequest)
                        + " have a container without a CPU request, so they have no " + m.name()
                        + " (a percent of the request) and the HPA counts them as missing; set resources.requests.cpu "
                        + "on every container, or scale on cpu (cores)"));
            }
        }
        for (String isvc : isvcs) {
            findings.addAll(kserveFindings(hpa, ns, name, isvc));
        }
        return findings;
    }

    /** KServe raw mode's two rules for an external HPA. */
    private List<Finding> kserveFindings(HorizontalPodAutoscaler hpa, String ns, String name, String isvc) {
        List<Finding> findings = new ArrayList<>();
        if (ownedByKServeOrKnative(hpa)) {
            return findings; // KServe or Knative made this HPA itself
        }
        GenericKubernetesResource resource = client.genericKubernetesResources(INFERENCE_SERVICES)
                .inNamespace(ns).withName(isvc).get();
        if (resource == null) {
            return findings;
        }
        if (name.equals(isvc + "-predictor")) {
            findings.add(Finding.warning("KServeOwnsThisHpaName", "this HPA is named " + name + ", the name KServe "
                    + "gives the HPA of InferenceService " + isvc + " in raw mode: KServe takes it over and rewrites "
                    + "it; give it another name (e.g. " + isvc + "-concurrency)"));
        }
        Map<String, String> annotations = resource.getMetadata().getAnnotations() == null ? Map.of()
                : resource.getMetadata().getAnnotations();
        String autoscalerClass = annotations.get(AUTOSCALER_CLASS);
        if (!"external".equals(autoscalerClass)) {
            String message = "InferenceService " + isvc + " has " + AUTOSCALER_CLASS + ": "
                    + (autoscalerClass == null ? "(unset, KServe's default hpa)" : autoscalerClass)
                    + ", so KServe manages the predictor's replicas too and fights HPA " + name
                    + "; set it to external (not none, which keeps resetting the replicas)";
            findings.add(Finding.warning("AutoscalerClassNotExternal", message));
            findings.add(new Finding("Warning", "AutoscalerClassNotExternal", message, isvc));
        }
        return findings;
    }

    private void isvcOf(String ns, String pod, TreeSet<String> isvcs) {
        InferencePod watched = pods.get(new PodKey(ns, pod));
        if (watched != null && watched.inferenceService() != null) {
            isvcs.add(watched.inferenceService());
        }
    }

    /** Reasons that pass on their own within a scrape or two: a joining pod's first reads, a restarted window. */
    private static boolean passesByItself(String reason) {
        return reason.contains("its window restarted") || reason.contains("not scraped yet")
                || reason.contains("value yet from") || reason.contains("fewer than two CPU samples");
    }

    private static boolean ownedByKServeOrKnative(HorizontalPodAutoscaler hpa) {
        List<OwnerReference> owners = hpa.getMetadata().getOwnerReferences();
        return owners != null && owners.stream().anyMatch(o -> "InferenceService".equals(o.getKind())
                || "PodAutoscaler".equals(o.getKind()));
    }

    /** Pods and Object metrics are the ones the HPA reads from custom.metrics.k8s.io. */
    static boolean asksThisApi(HorizontalPodAutoscaler hpa) {
        return hpa.getSpec() != null && hpa.getSpec().getMetrics() != null && hpa.getSpec().getMetrics().stream()
                .anyMatch(m -> "Pods".equals(m.getType()) || "Object".equals(m.getType()));
    }

    private static ObjectReference reference(HorizontalPodAutoscaler hpa) {
        return new ObjectReferenceBuilder().withApiVersion("autoscaling/v2").withKind("HorizontalPodAutoscaler")
                .withNamespace(hpa.getMetadata().getNamespace()).withName(hpa.getMetadata().getName())
                .withUid(hpa.getMetadata().getUid()).withResourceVersion(hpa.getMetadata().getResourceVersion())
                .build();
    }

    private ObjectReference inferenceServiceReference(String ns, String isvc) {
        GenericKubernetesResource resource = client.genericKubernetesResources(INFERENCE_SERVICES)
                .inNamespace(ns).withName(isvc).get();
        return new ObjectReferenceBuilder().withApiVersion(ISVC_API_VERSION).withKind("InferenceService")
                .withNamespace(ns).withName(isvc).withUid(resource == null ? null : resource.getMetadata().getUid())
                .build();
    }
}
