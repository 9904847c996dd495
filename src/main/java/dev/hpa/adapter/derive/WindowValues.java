package dev.hpa.adapter.derive;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.LabelSelector;
import dev.hpa.adapter.window.CpuSeries;
import dev.hpa.adapter.window.CpuStore;
import dev.hpa.adapter.window.PodSeries;
import dev.hpa.adapter.window.SampleStore;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;

/**
 * Values from the adapter's own windows ({@code adapter.source=scrape}): the pods' scraped pages and the kubelets'
 * CPU, in memory. Answers at once; nothing here waits.
 */
public final class WindowValues implements PodValues {

    private static final Uni<Void> DONE = Uni.createFrom().voidItem();

    private final SampleStore store;
    private final CpuStore cpu;
    private final long stableMillis;
    private final long burstMillis;
    private final DistributionSummary servedAge;

    public WindowValues(SampleStore store, CpuStore cpu, AdapterConfig config, MeterRegistry registry) {
        this.store = store;
        this.cpu = cpu;
        this.stableMillis = config.window().stable().toMillis();
        this.burstMillis = config.window().burst().toMillis();
        this.servedAge = DistributionSummary.builder("adapter.served.sample.age")
                .description("Age of the newest sample behind each value served, in seconds")
                .baseUnit("seconds")
                .register(registry);
    }

    /** CPU comes from the kubelets, everything else from the pods' own pages. */
    @Override
    public Uni<Void> read(String namespace, List<InferencePod> pods, ServedMetric metric,
            LabelSelector metricSelector, long nowMillis, PodReadings readings) {
        if (metric.cpu()) {
            readCpu(pods, metric, metricSelector, nowMillis, readings);
        } else {
            readLoad(pods, metric, metricSelector, nowMillis, readings);
        }
        return DONE;
    }

    /**
     * Averages each answering pod (one with a value for the signal) over the window, with one rule: no pod's
     * window reaches back past the moment the newest answering pod began to be read. When pods join, load moves
     * to them, and a window that still remembers, in the old pods, the load from before would count it twice;
     * the HPA multiplies the per-pod average by the pod count and would overshoot. An old pod whose only
     * observations straddle that moment is left out until its next scrape: the HPA treats a missing pod
     * conservatively, a doubled one it does not.
     */
    private void readLoad(List<InferencePod> pods, ServedMetric metric, LabelSelector metricSelector, long now,
            PodReadings readings) {
        List<InferencePod> answering = new ArrayList<>(pods.size());
        List<PodSeries> series = new ArrayList<>(pods.size());
        long joinedLast = Long.MIN_VALUE;
        String newest = null;
        long windowFrom = now - (metric.stable() ? stableMillis : burstMillis);
        double[] full = new double[pods.size()];
        for (InferencePod pod : pods) {
            PodSeries s = store.get(pod.key());
            String reason = reasonLeftOut(pod, s, metricSelector, now);
            double average = reason == null ? s.average(metric.signal(), windowFrom, now) : Double.NaN;
            if (reason == null && Double.isNaN(average)) {
                // Not answering yet (a counter needs two reads): it neither counts nor restarts anyone's window,
                // or one new pod would leave every pod out of the answer until its second read.
                reason = "no " + metric.signal().name().toLowerCase() + " value yet from its " + s.source()
                        + " metrics";
            }
            if (reason != null) {
                readings.leaveOut(pod, reason);
                continue;
            }
            full[series.size()] = average;
            answering.add(pod);
            series.add(s);
            if (s.observedSince() > joinedLast) {
                joinedLast = s.observedSince();
                newest = pod.key().name();
            }
        }
        boolean restarted = joinedLast > windowFrom;
        long windowSeconds = ((restarted ? now - joinedLast : now - windowFrom) + 999) / 1000;
        for (int i = 0; i < series.size(); i++) {
            PodSeries s = series.get(i);
            boolean older = restarted && s.observedSince() < joinedLast;
            double average = older ? s.averageSince(metric.signal(), joinedLast, now) : full[i];
            if (Double.isNaN(average)) {
                readings.leaveOut(answering.get(i), "its window restarted " + (now - joinedLast) + "ms ago when "
                        + newest + " began answering; the next scrape gives it a value");
                continue;
            }
            readings.add(answering.get(i), s.source(), average, s.lastReadAt(), windowSeconds);
            servedAge.record((now - s.lastReadAt()) / 1000.0);
        }
    }

    /**
     * Each pod's CPU over the window ending at its kubelet's newest sample. No membership rule here: the
     * kubelet's samples are 10-15 s apart, so CPU cannot tell a moved load from a new one within a scrape or two;
     * the HPA's own CPU path (metrics-server) has the same resolution.
     */
    private void readCpu(List<InferencePod> pods, ServedMetric metric, LabelSelector metricSelector, long now,
            PodReadings readings) {
        long windowMillis = metric.stable() ? stableMillis : burstMillis;
        for (InferencePod pod : pods) {
            CpuSeries s = cpu.get(pod.key());
            String reason = reasonWithoutCpu(pod, s, metricSelector, now);
            CpuSeries.Average average = reason == null ? s.average(windowMillis, now) : null;
            if (reason == null && average == null) {
                reason = "fewer than two CPU samples yet from the kubelet of node " + pod.nodeName();
            }
            if (reason != null) {
                readings.leaveOut(pod, reason);
                continue;
            }
            readings.add(pod, PodMetrics.KUBELET_SOURCE, average.cores(), average.atMillis(),
                    (average.coveredMillis() + 999) / 1000);
        }
    }

    private String reasonWithoutCpu(InferencePod pod, CpuSeries series, LabelSelector metricSelector, long now) {
        if (series == null) {
            return "no CPU yet from the kubelet of node " + pod.nodeName();
        }
        if (!series.fresh(now)) {
            String problem = series.problem();
            return problem != null ? problem : "no successful read of the kubelet of node " + pod.nodeName()
                    + " in the last " + cpu.staleAfterMillis() / 1000.0 + "s";
        }
        return PodReadings.labelMismatch(PodMetrics.KUBELET_SOURCE, metricSelector);
    }

    private String reasonLeftOut(InferencePod pod, PodSeries series, LabelSelector metricSelector, long now) {
        if (pod.endpoint() == null) {
            return pod.endpointProblem();
        }
        if (series == null) {
            return "not scraped yet";
        }
        if (!series.fresh(now)) {
            String problem = series.problem();
            return problem != null ? "scrape failing: " + problem
                    : "no successful scrape in the last " + store.staleAfterMillis() / 1000.0 + "s";
        }
        return PodReadings.labelMismatch(series.source(), metricSelector);
    }
}
