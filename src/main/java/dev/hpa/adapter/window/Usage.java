package dev.hpa.adapter.window;

/**
 * The CPU and memory of one container or node as metrics.k8s.io serves them: the CPU rate between the kubelet's
 * last two samples, like metrics-server.
 *
 * @param name         the container's name; the node's for a node
 * @param cores        CPU in cores over the window
 * @param memoryBytes  working set at {@code atMillis}; NaN when the kubelet did not say
 * @param atMillis     the kubelet's timestamp of the newer sample
 * @param windowMillis the time between the two samples
 */
public record Usage(String name, double cores, double memoryBytes, long atMillis, long windowMillis) {}
