package dev.hpa.adapter.derive;

import dev.hpa.adapter.kubelet.KubeletNode;
import dev.hpa.adapter.kubelet.NodeWatcher;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.LabelSelector;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.window.CpuSeries;
import dev.hpa.adapter.window.CpuStore;
import dev.hpa.adapter.window.NodeSeries;
import dev.hpa.adapter.window.Usage;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What metrics.k8s.io serves: the CPU and memory of each container of the watched ready pods, and of the nodes
 * they run on, as metrics-server computes them (the rate between the kubelet's last two samples). Pods and nodes
 * without two fresh samples are left out, as metrics-server leaves them out.
 */
@ApplicationScoped
public class ResourceUsage {

    /**
     * @param atMillis     the earliest kubelet timestamp among its containers, as metrics-server reports it
     * @param windowMillis the longest span among its containers
     */
    public record PodUsage(PodKey key, Map<String, String> labels, long atMillis, long windowMillis,
            List<Usage> containers) {}

    public record NodeUsage(String name, Map<String, String> labels, Usage usage) {}

    private static final Comparator<PodUsage> KUBE_ORDER =
            Comparator.comparing((PodUsage p) -> p.key().namespace()).thenComparing(p -> p.key().name());

    private final PodIndex pods;
    private final CpuStore cpu;
    private final NodeWatcher nodes;

    public ResourceUsage(PodIndex pods, CpuStore cpu, NodeWatcher nodes) {
        this.pods = pods;
        this.cpu = cpu;
        this.nodes = nodes;
    }

    /** The pods of one namespace, or of all when {@code namespace} is null, in kube's list order. */
    public List<PodUsage> pods(String namespace, LabelSelector selector, Predicate<PodKey> fields, long now) {
        List<PodUsage> usage = new ArrayList<>();
        for (String ns : namespace == null ? new TreeSet<>(pods.namespaces()) : List.of(namespace)) {
            for (InferencePod pod : pods.inNamespace(ns)) {
                if (selector.matches(pod.labels()) && fields.test(pod.key())) {
                    PodUsage u = usage(pod, now);
                    if (u != null) {
                        usage.add(u);
                    }
                }
            }
        }
        usage.sort(KUBE_ORDER);
        return usage;
    }

    /** One pod, or null when it is not watched or has no usage yet. */
    public PodUsage pod(PodKey key, long now) {
        InferencePod pod = pods.get(key);
        return pod == null ? null : usage(pod, now);
    }

    private PodUsage usage(InferencePod pod, long now) {
        CpuSeries series = pod.ready() ? cpu.get(pod.key()) : null;
        List<Usage> containers = series == null ? null : series.containers(now);
        if (containers == null) {
            return null;
        }
        long at = Long.MAX_VALUE;
        long window = 0;
        for (Usage u : containers) {
            at = Math.min(at, u.atMillis());
            window = Math.max(window, u.windowMillis());
        }
        return new PodUsage(pod.key(), pod.labels(), at, window, containers);
    }

    /** The nodes whose kubelets are read (those running watched pods), by name. */
    public List<NodeUsage> nodes(LabelSelector selector, long now) {
        List<NodeUsage> usage = new ArrayList<>();
        for (String name : new TreeSet<>(cpu.nodeNames())) {
            NodeUsage u = node(name, now);
            if (u != null && selector.matches(u.labels())) {
                usage.add(u);
            }
        }
        return usage;
    }

    /** One node, or null when its kubelet is not read or has not given two samples yet. */
    public NodeUsage node(String name, long now) {
        NodeSeries series = cpu.node(name);
        Usage usage = series == null ? null : series.usage(name, now);
        KubeletNode node = nodes.get(name);
        return usage == null || node == null ? null : new NodeUsage(name, node.labels(), usage);
    }
}
