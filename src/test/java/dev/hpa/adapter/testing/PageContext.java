package dev.hpa.adapter.testing;

/**
 * What a page needs besides the load: who the server is and how to write the page.
 *
 * @param model             the model_name label value
 * @param pod               the pod name (queue-proxy Stat, Knative labels, hostnames)
 * @param startEpochSeconds when the server started, for process_start_time_seconds and _created samples
 * @param openMetrics       write OpenMetrics instead of text 0.0.4 (servers that negotiate)
 * @param garbage           write {@code abc} as the value of the samples the adapter wants
 */
record PageContext(String model, String pod, double startEpochSeconds, boolean openMetrics, boolean garbage) {

    PageContext withOpenMetrics(boolean openMetrics) {
        return new PageContext(model, pod, startEpochSeconds, openMetrics, garbage);
    }

    /** The sample name to corrupt when garbage is asked for, else null. */
    String corrupt(String sampleName) {
        return garbage ? sampleName : null;
    }
}
