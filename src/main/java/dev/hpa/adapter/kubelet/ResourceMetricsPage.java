package dev.hpa.adapter.kubelet;

import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.scrape.MetricsFormatException;
import dev.hpa.adapter.scrape.PrometheusTextParser;
import dev.hpa.adapter.scrape.Sample;
import dev.hpa.adapter.window.CpuReading;
import dev.hpa.adapter.window.CpuReading.Container;
import dev.hpa.adapter.window.CpuReading.Counter;
import dev.hpa.adapter.window.Observation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A kubelet's {@code /metrics/resource} page, read for its pods' and its own CPU and memory. Every CPU and memory
 * sample there carries the kubelet's stats time in milliseconds; a sample without one is taken as of the read.
 */
final class ResourceMetricsPage {

    static final String POD_CPU = "pod_cpu_usage_seconds_total";
    static final String CONTAINER_CPU = "container_cpu_usage_seconds_total";
    static final String CONTAINER_MEMORY = "container_memory_working_set_bytes";
    static final String CONTAINER_START = "container_start_time_seconds";
    static final String NODE_CPU = "node_cpu_usage_seconds_total";
    static final String NODE_MEMORY = "node_memory_working_set_bytes";

    /** Shared: the parser keeps only the wanted names. */
    private static final PrometheusTextParser PARSER = new PrometheusTextParser(
            Set.of(POD_CPU, CONTAINER_CPU, CONTAINER_MEMORY, CONTAINER_START, NODE_CPU, NODE_MEMORY));

    private final long readAtMillis;
    private final Map<PodKey, PodSamples> pods = new HashMap<>();
    private Counter nodeCpu;
    private double nodeMemory = Double.NaN;

    private ResourceMetricsPage(long readAtMillis) {
        this.readAtMillis = readAtMillis;
    }

    static ResourceMetricsPage parse(byte[] page, int length, long readAtMillis) throws MetricsFormatException {
        ResourceMetricsPage result = new ResourceMetricsPage(readAtMillis);
        List<Sample> samples = PARSER.parse(page, length);
        if (samples.isEmpty()) {
            throw new MetricsFormatException("no " + NODE_CPU + ", " + CONTAINER_CPU + " or " + POD_CPU
                    + " on the page: is this a kubelet's /metrics/resource?");
        }
        for (Sample s : samples) {
            result.add(s);
        }
        return result;
    }

    private void add(Sample s) {
        long at = s.timestampMillis() == Sample.NO_TIMESTAMP ? readAtMillis : s.timestampMillis();
        // CPU seconds and bytes go to metrics.k8s.io as they are (memory) or as rates (CPU): a NaN, infinite,
        // negative or absurd one would be served as a number. The start time only has to change on a restart.
        boolean plausible = s.name().equals(CONTAINER_START) || Observation.plausible(s.value());
        switch (s.name()) {
            case NODE_CPU -> nodeCpu = plausible ? new Counter(s.value(), at) : null;
            case NODE_MEMORY -> nodeMemory = plausible ? s.value() : Double.NaN;
            default -> {
                String namespace = s.labels().get("namespace");
                String pod = s.labels().get("pod");
                if (namespace == null || pod == null) {
                    return; // not a pod's series
                }
                PodSamples samples = pods.computeIfAbsent(new PodKey(namespace, pod), k -> new PodSamples());
                if (!plausible) {
                    if (samples.problem == null) {
                        samples.problem = s.name() + (s.labels().containsKey("container")
                                ? " of container " + s.labels().get("container") : "") + " is " + s.value()
                                + "; CPU seconds and bytes must be finite numbers from 0 to 2^53";
                    }
                    return;
                }
                if (POD_CPU.equals(s.name())) {
                    samples.cpu = new Counter(s.value(), at);
                    return;
                }
                String container = s.labels().get("container");
                if (container == null) {
                    return;
                }
                ContainerSamples c = samples.containers.computeIfAbsent(container, k -> new ContainerSamples());
                switch (s.name()) {
                    case CONTAINER_CPU -> c.cpu = new Counter(s.value(), at);
                    case CONTAINER_MEMORY -> c.memory = s.value();
                    case CONTAINER_START -> c.startTime = s.value();
                    default -> { }
                }
            }
        }
    }

    /** What the page says of the pod, or null when it has no CPU series for it or {@link #problem} has one. */
    CpuReading pod(PodKey key) {
        PodSamples samples = pods.get(key);
        if (samples == null || samples.problem != null) {
            return null;
        }
        List<Container> containers = new ArrayList<>(samples.containers.size());
        samples.containers.forEach((name, c) -> containers.add(new Container(name, c.cpu, c.memory, c.startTime)));
        Counter cpu = samples.cpu != null ? samples.cpu : sumOfContainers(containers);
        return cpu == null ? null : new CpuReading(readAtMillis, cpu, containers);
    }

    /** Older kubelets (before 1.23) have no pod-level series: the pod is the sum of its containers. */
    private static Counter sumOfContainers(List<Container> containers) {
        double sum = 0;
        long at = Long.MIN_VALUE;
        for (Container c : containers) {
            if (c.cpu() == null) {
                return null;
            }
            sum += c.cpu().coreSeconds();
            at = Math.max(at, c.cpu().atMillis());
        }
        return containers.isEmpty() ? null : new Counter(sum, at);
    }

    /** Why the page's series of the pod cannot be served (a value no counter or gauge can have), or null. */
    String problem(PodKey key) {
        PodSamples samples = pods.get(key);
        return samples == null ? null : samples.problem;
    }

    /** The node's own CPU counter, or null when the page has none (or a value no counter can have). */
    Counter nodeCpu() {
        return nodeCpu;
    }

    /** The node's working set in bytes, NaN when the page has none (or a value no gauge of bytes can have). */
    double nodeMemory() {
        return nodeMemory;
    }

    private static final class PodSamples {
        Counter cpu;
        String problem;
        final Map<String, ContainerSamples> containers = new LinkedHashMap<>();
    }

    private static final class ContainerSamples {
        Counter cpu;
        double memory = Double.NaN;
        double startTime = Double.NaN;
    }
}
