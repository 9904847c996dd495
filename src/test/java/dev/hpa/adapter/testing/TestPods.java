package dev.hpa.adapter.testing;

import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;

/**
 * Pod objects for the Kubernetes mock server that point at local fake model servers: pod IP 127.0.0.1 and the
 * metrics port of the fake. The mock cannot run a pod, so the pod runs here and the object says where. Closing
 * deletes every pod and stops every server and load started through it.
 */
public final class TestPods implements AutoCloseable {

    public static final String ISVC_LABEL = "serving.kserve.io/inferenceservice";
    /**
     * A burst window and a scrape in the test profile (adapter.window.burst=2s, adapter.scrape.interval=250ms):
     * how long after the loads run in step an average over the window is exact.
     */
    public static final Duration A_WINDOW_AND_A_SCRAPE = Duration.ofMillis(2_250);

    private final KubernetesClient client;
    private final List<AutoCloseable> running = new ArrayList<>();

    public TestPods(KubernetesClient client) {
        this.client = client;
    }

    /** A fake model server holding {@code inFlight} requests of {@code serviceTime} each, started spread out. */
    public FakeModelServer loaded(FakeModelServer.Format format, int inFlight, Duration serviceTime) {
        FakeModelServer server = idle(format, serviceTime);
        running.add(new HeldLoad(server.predictUrl()).start(inFlight, serviceTime));
        return server;
    }

    public FakeModelServer idle(FakeModelServer.Format format, Duration serviceTime) {
        FakeModelServer server = FakeModelServer.start(format).serviceTime(serviceTime);
        running.add(server);
        return server;
    }

    /** A load the caller starts and resizes itself; closed with the rest. */
    public HeldLoad load(FakeModelServer server) {
        HeldLoad load = new HeldLoad(server.predictUrl());
        running.add(load);
        return load;
    }

    /**
     * Waits until every load started here runs in step ({@link HeldLoad#inStep}), from which on each pod holds
     * its number of requests, and then for {@code after} more: a window and a scrape, after which an average over
     * that window is exact.
     */
    public void awaitLoadsInStepFor(Duration after) {
        Instant[] latest = {Instant.EPOCH};
        Awaitility.await("loads in step").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    for (AutoCloseable c : running) {
                        if (c instanceof HeldLoad load) {
                            Optional<Instant> at = load.inStep();
                            if (at.isEmpty()) {
                                return false;
                            }
                            latest[0] = at.get().isAfter(latest[0]) ? at.get() : latest[0];
                        }
                    }
                    return true;
                });
        Instant settled = latest[0].plus(after);
        Awaitility.await("a window after the loads run in step").atMost(after.plusSeconds(1))
                .pollInterval(Duration.ofMillis(50)).until(() -> Instant.now().isAfter(settled));
    }

    @Override
    public void close() throws Exception {
        client.pods().inAnyNamespace().delete(); // so later tests do not scrape servers closed here
        for (AutoCloseable c : running) {
            c.close();
        }
    }

    /** A Running, Ready KServe pod announcing the fake's port the way its serving runtime would. */
    public Pod ready(String namespace, String name, String isvc, FakeModelServer server) {
        return client.pods().inNamespace(namespace).resource(build(namespace, name, isvc, server, true)).create();
    }

    public Pod notReady(String namespace, String name, String isvc, FakeModelServer server) {
        return client.pods().inNamespace(namespace).resource(build(namespace, name, isvc, server, false)).create();
    }

    /** A ready pod with no metrics annotation and no queue-proxy: tracked, never scraped. */
    public Pod withoutEndpoint(String namespace, String name, String isvc) {
        Pod pod = base(namespace, name, isvc, true).build();
        return client.pods().inNamespace(namespace).resource(pod).create();
    }

    /**
     * A ready pod scheduled on {@code node}, its kserve-container requesting {@code cpuRequest} ("500m"; null for
     * no request), and publishing no load: CPU alone, from the node's kubelet.
     */
    public Pod onNode(String namespace, String name, String isvc, String node, String cpuRequest) {
        PodBuilder pod = base(namespace, name, isvc, true);
        pod.editSpec().withNodeName(node).editFirstContainer().withNewResources()
                .addToRequests(cpuRequest == null ? Map.of() : Map.of("cpu", new Quantity(cpuRequest)))
                .endResources().endContainer().endSpec();
        return client.pods().inNamespace(namespace).resource(pod.build()).create();
    }

    public void delete(String namespace, String name) {
        client.pods().inNamespace(namespace).withName(name).delete();
    }

    public void setReady(String namespace, String name, boolean ready) {
        client.pods().inNamespace(namespace).withName(name).editStatus(pod -> new PodBuilder(pod).editStatus()
                .editFirstCondition().withStatus(ready ? "True" : "False").withLastTransitionTime(now())
                .endCondition().endStatus().build());
    }

    static Pod build(String namespace, String name, String isvc, FakeModelServer server, boolean ready) {
        PodBuilder pod = base(namespace, name, isvc, ready);
        if (server.format() == FakeModelServer.Format.QUEUE_PROXY) {
            // Knative mode: the queue-proxy sidecar's autoscaler port, found by its name.
            pod.editSpec().addNewContainer().withName("queue-proxy").withImage("queue")
                    .withPorts(new ContainerPortBuilder().withName("http-autometric")
                            .withContainerPort(server.port()).build())
                    .endContainer().endSpec();
        } else {
            // Raw mode: the serving runtime's annotations.
            pod.editMetadata().addToAnnotations(Map.of("prometheus.kserve.io/port", String.valueOf(server.port()),
                    "prometheus.kserve.io/path", "/metrics")).endMetadata();
        }
        return pod.build();
    }

    /** As the kubelet stamps a condition: RFC 3339, whole seconds. */
    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static PodBuilder base(String namespace, String name, String isvc, boolean ready) {
        return new PodBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels(ISVC_LABEL, isvc).addToLabels("component", "predictor")
                .addToLabels("app", "isvc." + isvc + "-predictor")
                .endMetadata()
                .withNewSpec().addNewContainer().withName("kserve-container").withImage("model").endContainer()
                .endSpec()
                .withNewStatus().withPhase("Running").withPodIP("127.0.0.1")
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime(now()).endCondition()
                .endStatus();
    }
}
