package dev.hpa.adapter.scrape;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Shared ticks for the targets of one event loop: a ring of slots spanning one scrape interval, each target in the
 * slot of its own phase ({@link #nextSlotOr}), and one timer per event loop that visits the slots in turn. Scrapes
 * still spread evenly over the interval (at the slot's granularity), but 10,000 pods cost one wake-up per slot
 * instead of 10,000 scheduled tasks a second in Netty's priority queue, and a scrape's deadline is a bucket a fixed
 * number of slots ahead instead of a timer to schedule and cancel.
 *
 * <p>Confined: every method runs on the wheel's own event loop (the scheduler hops there), so nothing here locks.
 * Adding and removing are O(1): a member knows its slot and its index in it, and removal swaps the last one in.
 * Time is passed in ({@link #advance}), so the wheel is driven by a timer in production and by hand in tests.
 */
final class ScrapeWheel<T extends ScrapeWheel.Member> {

    /** What a wheel holds: its position, kept by the wheel; not on any wheel while {@code slot} is -1. */
    abstract static class Member {
        int slot = -1;
        int index = -1;
    }

    private final long slotNanos;
    private final Member[][] slots;
    private final int[] sizes;
    /** Deadlines by tick, {@code deadlineTicks} ahead of the tick that set them; a ring one longer than that. */
    private final ArrayDeque<Runnable>[] deadlines;
    private final int deadlineTicks;
    private final Consumer<T> due;
    private long startNanos;
    /** Ticks visited so far since {@code startNanos}: the wheel is at tick {@code done}. */
    private long done;
    private int size;
    private int pendingDeadlines;

    /**
     * @param intervalNanos one turn of the wheel: every member is due once per interval
     * @param slotCount     slots per turn; a member is due within one slot of its phase
     * @param timeoutNanos  how far ahead {@link #atDeadline} runs its action, at least
     * @param due           called with each member in its slot, once per turn
     */
    @SuppressWarnings("unchecked")
    ScrapeWheel(long intervalNanos, int slotCount, long timeoutNanos, Consumer<T> due, long nowNanos) {
        this.slotNanos = Math.max(1, intervalNanos / slotCount);
        this.slots = new Member[slotCount][];
        this.sizes = new int[slotCount];
        Arrays.fill(slots, new Member[0]);
        // The tick that sets a deadline began up to one slot ago: one more tick makes the wait at least the timeout.
        this.deadlineTicks = (int) ((timeoutNanos + slotNanos - 1) / slotNanos) + 1;
        this.deadlines = new ArrayDeque[deadlineTicks + 1];
        this.due = due;
        this.startNanos = nowNanos;
    }

    int slotCount() {
        return slots.length;
    }

    long slotNanos() {
        return slotNanos;
    }

    int size() {
        return size;
    }

    /** True while the wheel has members or deadlines to keep: its timer must run. */
    boolean active() {
        return size > 0 || pendingDeadlines > 0;
    }

    /**
     * The slot for a member that arrives now: the one the next tick visits, so that a pod which just became ready
     * is scraped at once rather than up to an interval later, unless that slot already holds its share of the
     * members; then {@code otherwise} (a random slot). Members arriving together (the informer's first list of
     * 10,000 pods) so take one next slot per tick and spread over the rest: no slot grows past its share but by one.
     */
    int nextSlotOr(int otherwise) {
        int next = (int) ((done + 1) % slots.length);
        return (long) sizes[next] * slots.length <= size ? next : otherwise;
    }

    /** Puts a member in {@code slot}; a member is on one wheel at most once. */
    void add(T member, int slot) {
        if (member.slot != -1) {
            throw new IllegalStateException("already on a wheel, in slot " + member.slot);
        }
        Member[] in = slots[slot];
        if (sizes[slot] == in.length) {
            in = slots[slot] = Arrays.copyOf(in, Math.max(4, in.length * 2));
        }
        in[sizes[slot]] = member;
        member.slot = slot;
        member.index = sizes[slot]++;
        size++;
    }

    /** Takes a member off; nothing when it is not on the wheel (removed already). */
    void remove(T member) {
        int slot = member.slot;
        if (slot == -1) {
            return;
        }
        Member[] in = slots[slot];
        int last = --sizes[slot];
        Member moved = in[last];
        in[member.index] = moved;
        moved.index = member.index;
        in[last] = null;
        member.slot = -1;
        member.index = -1;
        size--;
    }

    /**
     * Runs {@code expire} once the wheel has turned {@code deadlineTicks} ticks past now: at least the timeout
     * later, at most one slot (and the event loop's lateness) more. It runs even if whatever it expires finished
     * already, so it must be idempotent; there is nothing to cancel.
     */
    void atDeadline(Runnable expire) {
        int bucket = (int) ((done + deadlineTicks) % deadlines.length);
        if (deadlines[bucket] == null) {
            deadlines[bucket] = new ArrayDeque<>();
        }
        deadlines[bucket].add(expire);
        pendingDeadlines++;
    }

    /**
     * Visits every slot whose time has come since the last call, in order, and runs the deadlines that fell due.
     * A late event loop catches up, but visits each slot at most once per call: after a long stall every member is
     * scraped once, not once per missed turn.
     */
    void advance(long nowNanos) {
        long now = (nowNanos - startNanos) / slotNanos;
        long from = Math.max(done + 1, now - Math.max(slots.length, deadlines.length) + 1);
        done = now; // deadlines set from here on count from now, not from a slot being caught up
        // Deadlines first, all of them: one set while catching up lands in the ring's bucket for now - 1, which
        // must not be drained in the same call.
        for (long tick = Math.max(from, now - deadlines.length + 1); tick <= now; tick++) {
            expire(deadlines[(int) (tick % deadlines.length)]);
        }
        for (long tick = Math.max(from, now - slots.length + 1); tick <= now; tick++) {
            visit((int) (tick % slots.length));
        }
    }

    /**
     * Restarts the count of time at {@code nowNanos} after the timer was stopped (nothing to do): the idle time
     * is not a stall to catch up, so a member added now waits for its own slot.
     */
    void resume(long nowNanos) {
        long now = (nowNanos - startNanos) / slotNanos;
        done = now;
    }

    private void expire(ArrayDeque<Runnable> bucket) {
        if (bucket == null) {
            return;
        }
        for (Runnable expire = bucket.poll(); expire != null; expire = bucket.poll()) {
            pendingDeadlines--;
            expire.run();
        }
    }

    @SuppressWarnings("unchecked")
    private void visit(int slot) {
        Member[] in = slots[slot];
        // Backwards: a member that removes itself (or is removed) while due swaps the last one into its place,
        // which was visited already.
        for (int i = sizes[slot] - 1; i >= 0; i--) {
            if (i < sizes[slot]) {
                due.accept((T) in[i]);
            }
        }
    }
}
