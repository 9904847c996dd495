package dev.hpa.adapter.scrape;

import dev.hpa.adapter.config.AdapterConfig.RecipeConfig;
import dev.hpa.adapter.window.Observation;
import java.util.List;
import java.util.Map;

/**
 * How to read a model server's load from its metrics page: which series give concurrency and which give the
 * request rate. Recipes are data, so an operator can add one for their own server in configuration.
 *
 * @param rps null when the server publishes no request count
 */
public record Recipe(String name, Series concurrency, Series rps) {

    /**
     * Series whose values, summed over all their label sets (models, engines, hosts), make one signal.
     *
     * @param counter true for a running total whose rate is the signal; false for a gauge that is its level
     * @param scale   multiplies the summed value into the signal's unit (1e-6 turns microseconds into seconds)
     */
    public record Series(List<String> names, boolean counter, double scale) {

        public static Series gauge(String... names) {
            return new Series(List.of(names), false, 1);
        }

        public static Series counter(double scale, String... names) {
            return new Series(List.of(names), true, scale);
        }

        /** This signal's observation from a page's samples, or null when none of the series is on the page. */
        Observation observe(Map<String, Double> sums) {
            double sum = 0;
            boolean found = false;
            for (String name : names) {
                Double value = sums.get(name);
                if (value != null) {
                    sum += value;
                    found = true;
                }
            }
            if (!found) {
                return null;
            }
            return counter ? Observation.total(sum * scale) : Observation.level(sum * scale);
        }
    }

    /**
     * An operator's recipe from {@code adapter.recipes.<name>.*}; {@code ConfigCheck} has made sure it names
     * exactly one concurrency source.
     */
    public static Recipe fromConfig(String name, RecipeConfig config) {
        Series concurrency = config.busyCounter()
                .map(counter -> Series.counter(config.busyCounterSecondsPerUnit(), counter))
                .orElseGet(() -> new Series(config.inFlightGauges().orElseThrow(), false, 1));
        Series rps = config.requestCounters().map(names -> new Series(names, true, 1)).orElse(null);
        return new Recipe(name, concurrency, rps);
    }

    /**
     * The built-in recipes, most specific first: a page that carries several (KServe's Hugging Face server
     * with vLLM inside publishes both vLLM's gauges and KServe's latency histogram) is read by the first,
     * and a gauge of requests in flight beats Little's law on a latency counter, which lags by a request.
     */
    public static final List<Recipe> BUILT_IN = List.of(
            // Knative 1.5 and older served these text gauges on queue-proxy's :9090, already 1 s averages.
            new Recipe("knative-queue-proxy-text",
                    Series.gauge("queue_average_concurrent_requests"),
                    Series.gauge("queue_requests_per_second")),
            new Recipe("vllm",
                    Series.gauge("vllm:num_requests_running", "vllm:num_requests_waiting"),
                    Series.counter(1, "vllm:request_success_total")),
            new Recipe("tgi",
                    Series.gauge("tgi_queue_size", "tgi_batch_current_size"),
                    Series.counter(1, "tgi_request_count")),
            new Recipe("otel-http",
                    Series.gauge("http_server_active_requests"),
                    Series.counter(1, "http_server_request_duration_seconds_count")),
            // TorchServe adds each request's queue + processing time, in µs, when it answers.
            new Recipe("torchserve",
                    Series.counter(1e-6, "ts_inference_latency_microseconds"),
                    Series.counter(1, "ts_inference_requests_total")),
            new Recipe("triton",
                    Series.counter(1e-6, "nv_inference_request_duration_us"),
                    Series.counter(1, "nv_inference_request_success", "nv_inference_request_failure")),
            // KServe's Python server times the predict step only; pre/post-processing are not counted.
            new Recipe("kserve-python",
                    Series.counter(1, "request_predict_seconds_sum"),
                    Series.counter(1, "request_predict_seconds_count")));
}
