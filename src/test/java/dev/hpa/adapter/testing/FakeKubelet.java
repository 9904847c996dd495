package dev.hpa.adapter.testing;

import dev.hpa.adapter.testing.TestCertificates.Issued;
import dev.hpa.adapter.testing.TestCertificates.KeyEncoding;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A kubelet's {@code /metrics/resource} over real HTTPS, for one node: a serving certificate for 127.0.0.1 from
 * {@link ServingCertificateResource#KUBELET_CA}, bearer-token authentication like {@code
 * --authentication-token-webhook}, and the page in the kubelet's exact format: {@code [STABLE]} HELP texts, Go
 * number spelling, and the stats time in milliseconds on every CPU and memory sample.
 *
 * <p>It also serves {@code /metrics/cadvisor}, which Prometheus scrapes for {@code container_cpu_usage_seconds_total}:
 * per container, plus what real cAdvisor adds and a per-pod CPU sum must not count twice: the pod's own cgroup
 * ({@code container=""}, every container and the sandbox together), the pause container ({@code container="POD"},
 * as CRI-O and dockershim label it), the root cgroup and a system slice (no namespace or pod).
 *
 * <p>CPU counters grow at the cores each container is set to use; the stats (values and their timestamp) are
 * refreshed every {@link #statsEvery}, as the kubelet's housekeeping does, so a read between refreshes repeats
 * the last timestamp. The served rate is the ground truth.
 */
public final class FakeKubelet implements AutoCloseable {

    /** The only token this kubelet accepts: the adapter's service-account token in the test profile. */
    public static final String TOKEN = "adapter-service-account-token";
    private static final long MEMORY_BYTES = 12_551_168; // 12257Ki, what a small model server's working set reads

    private final Vertx vertx = Vertx.vertx();
    private final String nodeName;
    private final Issued certificate;
    private final List<FakeContainer> containers = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> withoutPodSeries = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile HttpServer server;
    private volatile int port;
    private volatile Duration statsEvery = Duration.ZERO;
    private volatile long statsAtMillis;
    private volatile double nodeCoreSeconds;
    private volatile double systemCoreSeconds;
    /** Cores each pod's pause container uses: about nothing in a cluster, more where a test must see it left out. */
    private volatile double sandboxCores;
    private final Map<String, Double> sandboxCoreSeconds = new ConcurrentHashMap<>();
    private volatile int status = 200;
    private volatile boolean garbage;
    private volatile Duration delay = Duration.ZERO;
    private volatile String lastAuthorization;

    private FakeKubelet(String nodeName) {
        this.nodeName = nodeName;
        this.certificate = ServingCertificateResource.KUBELET_CA.issue(Leaf.server(nodeName, "127.0.0.1"));
        this.statsAtMillis = System.currentTimeMillis();
        listen(0);
    }

    public static FakeKubelet start(String nodeName) {
        return new FakeKubelet(nodeName);
    }

    private void listen(int onPort) {
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(onPort).setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(certificate.chainPem()))
                        .setKeyValue(Buffer.buffer(certificate.privateKeyPem(KeyEncoding.PKCS8))));
        server = await(vertx.createHttpServer(options).requestHandler(this::handle).listen());
        port = server.actualPort();
    }

    // ---- the cluster's view of it

    public String nodeName() {
        return nodeName;
    }

    public int port() {
        return port;
    }

    /** The Node object: InternalIP 127.0.0.1 and the kubelet port in status.daemonEndpoints, as a real node. */
    public Node node() {
        return new NodeBuilder()
                .withNewMetadata().withName(nodeName).addToLabels("kubernetes.io/hostname", nodeName)
                .addToLabels("node.kubernetes.io/instance-type", "g5.xlarge").endMetadata()
                .withNewStatus()
                .addNewAddress().withType("Hostname").withAddress(nodeName).endAddress()
                .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(port).endKubeletEndpoint()
                .endDaemonEndpoints()
                .endStatus()
                .build();
    }

    // ---- the pods it runs

    /** A container of a pod on this node using {@code cores}, from now on. */
    public FakeKubelet container(String namespace, String pod, String container, double cores) {
        refresh(System.currentTimeMillis());
        containers.add(new FakeContainer(namespace, pod, container, cores, System.currentTimeMillis()));
        return this;
    }

    /** Changes a container's CPU use from now on. */
    public void cores(String namespace, String pod, String container, double cores) {
        refresh(System.currentTimeMillis());
        find(namespace, pod, container).cores = cores;
    }

    /** The container restarts: its counter starts again from zero, with a new start time. */
    public void restart(String namespace, String pod, String container) {
        refresh(System.currentTimeMillis());
        FakeContainer c = find(namespace, pod, container);
        c.usedBeforeRestarts += c.coreSeconds;
        c.coreSeconds = 0;
        c.startMillis = System.currentTimeMillis();
    }

    /** Every pod's pause container uses {@code cores} from now on; its pod cgroup counts them too. */
    public FakeKubelet sandboxCores(double cores) {
        refresh(System.currentTimeMillis());
        this.sandboxCores = cores;
        return this;
    }

    /** Serves the pod without pod_cpu_usage_seconds_total, as kubelets before 1.23 do. */
    public void withoutPodSeries(String namespace, String pod) {
        withoutPodSeries.put(namespace + "/" + pod, true);
    }

    public void removePod(String namespace, String pod) {
        containers.removeIf(c -> c.namespace.equals(namespace) && c.pod.equals(pod));
    }

    // ---- misbehaviour

    /** Refreshes its stats only this often, like the kubelet's housekeeping (10-15 s in a cluster). */
    public FakeKubelet statsEvery(Duration every) {
        this.statsEvery = every;
        return this;
    }

    /** Answers every read with this HTTP status: 401 as if it refused the token, 403 as if RBAC denied it. */
    public FakeKubelet status(int status) {
        this.status = status;
        return this;
    }

    public FakeKubelet garbage(boolean garbage) {
        this.garbage = garbage;
        return this;
    }

    public FakeKubelet delay(Duration delay) {
        this.delay = delay;
        return this;
    }

    /** Stops listening: connections are refused, as for a node that is down. */
    public void down() {
        await(server.close());
    }

    /** Listens again on the same port. */
    public void up() {
        listen(port);
    }

    public FakeKubelet behaveNormally() {
        status = 200;
        garbage = false;
        delay = Duration.ZERO;
        return this;
    }

    // ---- what it saw

    public int requests() {
        return requests.get();
    }

    public String lastAuthorization() {
        return lastAuthorization;
    }

    // ---- serving

    private void handle(HttpServerRequest request) {
        requests.incrementAndGet();
        lastAuthorization = request.getHeader("Authorization");
        if (!("Bearer " + TOKEN).equals(lastAuthorization)) {
            request.response().setStatusCode(401).end("Unauthorized");
            return;
        }
        if (!"/metrics/resource".equals(request.path()) && !"/metrics/cadvisor".equals(request.path())) {
            request.response().setStatusCode(404).end("404 page not found\n");
            return;
        }
        boolean cadvisor = "/metrics/cadvisor".equals(request.path());
        Runnable answer = () -> {
            if (status != 200) {
                request.response().setStatusCode(status).end(status == 401 ? "Unauthorized"
                        : "Forbidden (user=system:serviceaccount:kserve-autoscaling:hpa-metrics-adapter, verb=get, "
                                + "resource=nodes, subresource(s)=[metrics])\n");
                return;
            }
            String body = garbage ? "<html><body>503 Service Unavailable</body></html>\n"
                    : cadvisor ? cadvisorPage() : page();
            request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(body);
        };
        if (delay.isZero()) {
            answer.run();
        } else {
            vertx.setTimer(delay.toMillis(), id -> answer.run());
        }
    }

    /** Advances every counter to {@code now} if a housekeeping period has passed. */
    private synchronized void refresh(long now) {
        if (now - statsAtMillis < statsEvery.toMillis()) {
            return;
        }
        double seconds = (now - statsAtMillis) / 1000.0;
        for (FakeContainer c : containers) {
            c.coreSeconds += c.cores * seconds;
            nodeCoreSeconds += c.cores * seconds;
        }
        for (String pod : pods()) {
            sandboxCoreSeconds.merge(pod, sandboxCores * seconds, Double::sum);
            nodeCoreSeconds += sandboxCores * seconds;
        }
        nodeCoreSeconds += 0.1 * seconds; // the system's own use
        systemCoreSeconds += 0.1 * seconds;
        statsAtMillis = now;
    }

    synchronized String page() {
        refresh(System.currentTimeMillis());
        long at = statsAtMillis;
        TextPage page = new TextPage(TextPage.Numbers.GO, false, null);
        page.family("container_cpu_usage_seconds_total", "counter",
                "[STABLE] Cumulative cpu time consumed by the container in core-seconds");
        containers.forEach(c -> page.sample("container_cpu_usage_seconds_total", c.labels(), c.coreSeconds, at));
        page.family("container_memory_working_set_bytes", "gauge",
                "[STABLE] Current working set of the container in bytes");
        containers.forEach(c -> page.sample("container_memory_working_set_bytes", c.labels(), MEMORY_BYTES, at));
        page.family("container_start_time_seconds", "gauge",
                "[STABLE] Start time of the container since unix epoch in seconds");
        containers.forEach(c -> page.sample("container_start_time_seconds", c.labels(), c.startMillis / 1000.0));
        page.family("container_swap_usage_bytes", "gauge",
                "[ALPHA] Current amount of the container swap usage in bytes. Reported only on non-windows systems");
        containers.forEach(c -> page.sample("container_swap_usage_bytes", c.labels(), 0, at));
        page.family("node_cpu_usage_seconds_total", "counter",
                "[STABLE] Cumulative cpu time consumed by the node in core-seconds");
        page.sample("node_cpu_usage_seconds_total", "", nodeCoreSeconds, at);
        page.family("node_memory_working_set_bytes", "gauge", "[STABLE] Current working set of the node in bytes");
        page.sample("node_memory_working_set_bytes", "", 1L << 30, at);
        page.family("pod_cpu_usage_seconds_total", "counter",
                "[STABLE] Cumulative cpu time consumed by the pod in core-seconds");
        podTotals().forEach((pod, seconds) -> page.sample("pod_cpu_usage_seconds_total", pod, seconds, at));
        page.family("pod_memory_working_set_bytes", "gauge", "[STABLE] Current working set of the pod in bytes");
        podTotals().forEach((pod, seconds) -> page.sample("pod_memory_working_set_bytes", pod, MEMORY_BYTES, at));
        page.family("resource_scrape_error", "gauge",
                "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise");
        page.sample("resource_scrape_error", "", 0);
        return page.finish();
    }

    /**
     * The page Prometheus scrapes at {@code /metrics/cadvisor}, as kubelets with the systemd cgroup driver write it:
     * cAdvisor's HELP texts, labels in its (sorted) order, {@code cpu="total"}, and the stats time on each sample.
     */
    synchronized String cadvisorPage() {
        refresh(System.currentTimeMillis());
        long at = statsAtMillis;
        TextPage page = new TextPage(TextPage.Numbers.GO, false, null);
        page.family("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.");
        page.sample("container_cpu_usage_seconds_total", cgroup("", "/", "", "", "", ""), nodeCoreSeconds, at);
        page.sample("container_cpu_usage_seconds_total", cgroup("", "/system.slice/kubelet.service", "", "", "", ""),
                systemCoreSeconds, at);
        for (String pod : pods()) {
            String[] key = pod.split("/", 2);
            String slice = podSlice(pod);
            String sandboxId = containerId(pod + "/POD");
            double podTotal = sandboxCoreSeconds.getOrDefault(pod, 0.0);
            for (FakeContainer c : containers) {
                if (c.key().equals(pod)) {
                    String id = containerId(pod + "/" + c.container);
                    page.sample("container_cpu_usage_seconds_total", cgroup(c.container,
                            slice + "/crio-" + id + ".scope", "quay.io/kserve/" + c.container + ":v0.14.0", id,
                            key[0], key[1]), c.coreSeconds, at);
                    podTotal += c.podCoreSeconds();
                }
            }
            page.sample("container_cpu_usage_seconds_total", cgroup("POD", slice + "/crio-" + sandboxId + ".scope",
                    "registry.k8s.io/pause:3.10", sandboxId, key[0], key[1]), sandboxCoreSeconds.getOrDefault(pod,
                    0.0), at);
            page.sample("container_cpu_usage_seconds_total", cgroup("", slice, "", "", key[0], key[1]), podTotal, at);
        }
        page.family("container_memory_working_set_bytes", "gauge", "Current working set in bytes.");
        containers.forEach(c -> page.sample("container_memory_working_set_bytes", cgroup(c.container,
                podSlice(c.key()) + "/crio-" + containerId(c.key() + "/" + c.container) + ".scope",
                "quay.io/kserve/" + c.container + ":v0.14.0", containerId(c.key() + "/" + c.container), c.namespace,
                c.pod).replace(",cpu=\"total\"", ""), MEMORY_BYTES, at));
        page.family("machine_cpu_cores", "gauge", "Number of logical CPU cores.");
        page.sample("machine_cpu_cores", "boot_id=\"6d0c5e5e-1b0f-4f0e-9a57-3c1c2b8e8f10\",machine_id=\"\",system_uuid=\"\"",
                8);
        return page.finish();
    }

    /** cAdvisor's labels of one cgroup, in its order. */
    private static String cgroup(String container, String id, String image, String name, String namespace,
            String pod) {
        return "container=\"" + container + "\",cpu=\"total\",id=\"" + id + "\",image=\"" + image + "\",name=\""
                + name + "\",namespace=\"" + namespace + "\",pod=\"" + pod + "\"";
    }

    /** The pod's cgroup under the systemd driver: its UID with underscores, in the burstable QoS slice. */
    private static String podSlice(String pod) {
        String uid = java.util.UUID.nameUUIDFromBytes(pod.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString().replace('-', '_');
        return "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid + ".slice";
    }

    /** A 64-hex container ID, stable per container. */
    private static String containerId(String container) {
        String half = java.util.UUID.nameUUIDFromBytes(container.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString().replace("-", "");
        return half + half;
    }

    /** Every pod with a container here, as namespace/name. */
    private java.util.Set<String> pods() {
        java.util.Set<String> pods = new java.util.TreeSet<>();
        containers.forEach(c -> pods.add(c.key()));
        return pods;
    }

    /**
     * The pod cgroup's counter, by its label text. It keeps counting across a container restart, as the pod's
     * cgroup does, so it is the sum of what every container ever used: tracked here as containers' totals plus
     * what restarted containers had used before.
     */
    private Map<String, Double> podTotals() {
        Map<String, Double> totals = new TreeMap<>();
        for (FakeContainer c : containers) {
            if (!withoutPodSeries.containsKey(c.namespace + "/" + c.pod)) {
                totals.merge("namespace=\"" + c.namespace + "\",pod=\"" + c.pod + "\"", c.podCoreSeconds(), Double::sum);
            }
        }
        sandboxCoreSeconds.forEach((pod, seconds) -> {
            String[] key = pod.split("/", 2);
            totals.computeIfPresent("namespace=\"" + key[0] + "\",pod=\"" + key[1] + "\"", (labels, sum) -> sum + seconds);
        });
        return totals;
    }

    private FakeContainer find(String namespace, String pod, String container) {
        return containers.stream().filter(c -> c.namespace.equals(namespace) && c.pod.equals(pod)
                && c.container.equals(container)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no container " + namespace + "/" + pod + "/" + container));
    }

    @Override
    public void close() {
        await(vertx.close());
    }

    private static <T> T await(Future<T> future) {
        return Futures.await(future, "fake kubelet");
    }

    private static final class FakeContainer {
        final String namespace;
        final String pod;
        final String container;
        volatile double cores;
        volatile double coreSeconds;
        volatile long startMillis;
        double usedBeforeRestarts;

        FakeContainer(String namespace, String pod, String container, double cores, long startMillis) {
            this.namespace = namespace;
            this.pod = pod;
            this.container = container;
            this.cores = cores;
            this.startMillis = startMillis;
        }

        String labels() {
            return "container=\"" + container + "\",namespace=\"" + namespace + "\",pod=\"" + pod + "\"";
        }

        double podCoreSeconds() {
            return usedBeforeRestarts + coreSeconds;
        }

        String key() {
            return namespace + "/" + pod;
        }
    }
}
