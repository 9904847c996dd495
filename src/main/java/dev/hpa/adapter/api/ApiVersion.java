package dev.hpa.adapter.api;

import java.util.Arrays;
import java.util.Optional;

/** The served versions of custom.metrics.k8s.io. Their wire shapes differ in three fields of a MetricValue. */
public enum ApiVersion {
    V1BETA1("v1beta1"),
    V1BETA2("v1beta2");

    public static final String GROUP = "custom.metrics.k8s.io";

    private final String version;

    ApiVersion(String version) {
        this.version = version;
    }

    public static Optional<ApiVersion> of(String version) {
        return Arrays.stream(values()).filter(v -> v.version.equals(version)).findFirst();
    }

    public String version() {
        return version;
    }

    /** "custom.metrics.k8s.io/v1beta2" */
    public String groupVersion() {
        return GROUP + "/" + version;
    }
}
