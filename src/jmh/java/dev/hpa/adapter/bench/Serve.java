package dev.hpa.adapter.bench;

import java.util.List;
import java.util.Map;

/**
 * Not a benchmark: the same set-up as {@link ApiBench} (mock cluster, fleet, adapter), left running until
 * Ctrl-C, to look at the adapter by hand (curl, wrk, jcmd). Prints the URL and the token to use.
 */
public final class Serve {

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("serve", args, Map.of("pods", "100"));
        int pods = h.integer("pods");
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            cluster.readyPods("api-ts", 0, pods / 2, fleet.torchserve);
            cluster.readyPods("api-vllm", pods / 2, pods - pods / 2, fleet.vllm);
            try (Adapter adapter = new Adapter(h.jar, cluster, h.dir, "adapter", List.of(), Map.of())) {
                adapter.await("answers", java.time.Duration.ofSeconds(90), () -> adapter.answers("api-ts", pods / 2));
                Harness.say("adapter pid %d: curl -k -H 'Authorization: Bearer %s' '%s'", adapter.pid(),
                        Cluster.TOKEN, adapter.url("/apis/custom.metrics.k8s.io/v1beta2/namespaces/bench/pods/*/"
                                + "concurrency?labelSelector=component%3Dpredictor"));
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }
}
