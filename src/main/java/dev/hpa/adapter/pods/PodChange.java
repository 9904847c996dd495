package dev.hpa.adapter.pods;

/**
 * A CDI event: a watched pod appeared, changed or went away. Fired synchronously by {@link PodIndex} after the
 * index is updated, so observers see the index as the event describes it.
 *
 * @param pod the pod as it is now, or null when it was deleted or stopped matching the watch
 */
public record PodChange(PodKey key, InferencePod pod) {
    public boolean removed() {
        return pod == null;
    }
}
