package dev.hpa.adapter.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded map whose entries expire, for review results. A hit is one hash lookup and one clock read, with no
 * allocation and no lock, because it runs on every API request. Making room is the slow path: it runs only when
 * the cache is full, drops what has expired and then the entries closest to expiry (the oldest, for one TTL),
 * a tenth of the capacity at a time so that a flood of new keys pays for it rarely.
 *
 * <p>Two threads that miss the same key both compute and both store; the last one wins. That is what kube's caches
 * do too, and it is harmless for results that are equally valid.
 */
final class ExpiringCache<K, V> {

    /** {@code stored} orders entries that expire in the same millisecond: the older goes first. */
    private record Entry<V>(V value, long expiresAtMillis, long stored) {}

    private static final Comparator<Entry<?>> SOONEST_TO_EXPIRE =
            Comparator.<Entry<?>>comparingLong(Entry::expiresAtMillis).thenComparingLong(Entry::stored);

    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
    private final int maxEntries;
    private final Clock clock;
    private final AtomicLong stores = new AtomicLong();

    ExpiringCache(int maxEntries, Clock clock) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    /** The live value for the key, or null when there is none or it has expired. */
    V get(K key) {
        Entry<V> entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (clock.millis() >= entry.expiresAtMillis()) {
            entries.remove(key, entry); // only this entry: a fresh one stored meanwhile stays
            return null;
        }
        return entry.value();
    }

    /** Stores the value for {@code ttl}; a zero or negative TTL means "do not cache". */
    void put(K key, V value, Duration ttl) {
        if (ttl.isZero() || ttl.isNegative()) {
            return;
        }
        if (entries.size() >= maxEntries && !entries.containsKey(key)) {
            makeRoom();
        }
        entries.put(key, new Entry<>(value, clock.millis() + ttl.toMillis(), stores.incrementAndGet()));
    }

    int size() {
        return entries.size();
    }

    private synchronized void makeRoom() {
        if (entries.size() < maxEntries) {
            return; // another thread made room while this one waited
        }
        long now = clock.millis();
        entries.values().removeIf(entry -> now >= entry.expiresAtMillis());
        int target = maxEntries - Math.max(1, maxEntries / 10);
        if (entries.size() > target) {
            dropSoonestToExpire(entries.size() - target);
        }
    }

    private void dropSoonestToExpire(int count) {
        List<Map.Entry<K, Entry<V>>> byExpiry = new ArrayList<>(entries.entrySet());
        byExpiry.sort(Map.Entry.comparingByValue(SOONEST_TO_EXPIRE));
        for (int i = 0; i < count && i < byExpiry.size(); i++) {
            Map.Entry<K, Entry<V>> victim = byExpiry.get(i);
            entries.remove(victim.getKey(), victim.getValue());
        }
    }
}
