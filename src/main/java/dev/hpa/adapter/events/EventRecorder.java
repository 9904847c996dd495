package dev.hpa.adapter.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * core/v1 Events, deduplicated and rate-limited as client-go's event recorder does
 * ({@code tools/record/events_cache.go}): a repeat of the same (object, type, reason, message) raises the existing
 * Event's {@code count} and {@code lastTimestamp} instead of creating another; and each object has a token bucket
 * (burst 25, one token per 5 minutes), so a misconfiguration that persists costs a few writes an hour, never one per
 * check.
 */
@ApplicationScoped
public class EventRecorder {

    static final String COMPONENT = "hpa-metrics-adapter";
    static final int BURST = 25;
    static final long REFILL_MILLIS = 300_000;
    private static final int MAX_TRACKED = 4096;
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    private record Key(String object, String type, String reason, String message) {}

    private static final class Bucket {
        double tokens = BURST;
        long refilledAt;

        Bucket(long now) {
            refilledAt = now;
        }

        boolean take(long now) {
            tokens = Math.min(BURST, tokens + (now - refilledAt) / (double) REFILL_MILLIS);
            refilledAt = now;
            if (tokens < 1) {
                return false;
            }
            tokens--;
            return true;
        }
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final Map<Key, String> recorded = lru();
    private final Map<String, Bucket> buckets = lru();

    public EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** Records one occurrence; returns false when the object's rate limit dropped it. */
    public synchronized boolean record(ObjectReference object, String type, String reason, String message) {
        String objectKey = object.getKind() + "/" + object.getNamespace() + "/" + object.getName() + "/"
                + object.getUid();
        long now = clock.millis();
        if (!buckets.computeIfAbsent(objectKey, k -> new Bucket(now)).take(now)) {
            LOG.debugf("Event %s on %s dropped by the rate limit: %s", reason, objectKey, message);
            return false;
        }
        Key key = new Key(objectKey, type, reason, message);
        String name = recorded.get(key);
        String at = Instant.ofEpochMilli(now).toString();
        try {
            if (name != null && bump(object.getNamespace(), name, at)) {
                return true;
            }
            Event event = client.v1().events().inNamespace(object.getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withNamespace(object.getNamespace())
                    .withName(object.getName() + "." + Long.toHexString(System.nanoTime())).endMetadata()
                    .withInvolvedObject(object).withType(type).withReason(reason).withMessage(message)
                    .withCount(1).withFirstTimestamp(at).withLastTimestamp(at)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .withReportingComponent(COMPONENT).build()).create();
            recorded.put(key, event.getMetadata().getName());
        } catch (KubernetesClientException e) {
            LOG.warnf("Cannot record the event %s on %s (HTTP %d): %s; check the adapter's RBAC (create, patch "
                    + "events)", reason, objectKey, e.getCode(), e.getMessage());
        }
        return true;
    }

    /** The repeat of a known Event: count + 1. False when it is gone (events expire after an hour). */
    private boolean bump(String namespace, String name, String at) {
        try {
            return client.v1().events().inNamespace(namespace).withName(name).edit(e -> new EventBuilder(e)
                    .withCount(e.getCount() == null ? 2 : e.getCount() + 1).withLastTimestamp(at).build()) != null;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private static <K, V> Map<K, V> lru() {
        return new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > MAX_TRACKED;
            }
        };
    }
}
