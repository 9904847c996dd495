package dev.hpa.adapter.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The wheel driven by hand, on a made-up clock: which members are due when, and when deadlines run. No timer and
 * no sleeping; the scheduler's use of it over real connections is {@link ScrapeSchedulerTest}.
 */
class ScrapeWheelTest {

    private static final long MS = 1_000_000;
    /** 1 s over 100 slots of 10 ms, 800 ms timeout: the defaults. */
    private static final long INTERVAL = 1000 * MS;

    static final class Pod extends ScrapeWheel.Member {
        final int id;
        final List<Long> dueAt = new ArrayList<>();

        Pod(int id) {
            this.id = id;
        }
    }

    private long now = 5_000 * MS; // any origin: the wheel counts from the time it is given
    private final List<Pod> visits = new ArrayList<>();
    private Consumer<Pod> onDue = pod -> { };

    private ScrapeWheel<Pod> wheel() {
        return new ScrapeWheel<>(INTERVAL, 100, 800 * MS, pod -> {
            pod.dueAt.add(now);
            visits.add(pod);
            onDue.accept(pod);
        }, now);
    }

    /** Advances the clock in steps of {@code stepMs}, as a timer ticking that often would. */
    private void run(ScrapeWheel<Pod> wheel, long millis, long stepMs) {
        for (long t = 0; t < millis; t += stepMs) {
            now += stepMs * MS;
            wheel.advance(now);
        }
    }

    @Test
    void everyMemberIsDueOncePerIntervalWithinItsSlotSoRandomSlotsSpreadTheScrapes() {
        ScrapeWheel<Pod> wheel = wheel();
        long origin = now;
        Random random = new Random(42);
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Pod pod = new Pod(i);
            pods.add(pod);
            wheel.add(pod, random.nextInt(wheel.slotCount()));
        }
        run(wheel, 3_000, 10);

        int[] perTenth = new int[10];
        for (Pod pod : pods) {
            assertEquals(3, pod.dueAt.size(), "pod " + pod.id + " due once per interval");
            for (int turn = 0; turn < 3; turn++) {
                long offset = pod.dueAt.get(turn) - origin - turn * INTERVAL;
                // Slot s is due at the first tick at or after s × 10 ms (tick 0 falls in the last turn's end).
                long slotStart = pod.slot == 0 ? INTERVAL : pod.slot * 10 * MS;
                assertTrue(offset >= slotStart && offset < slotStart + 10 * MS, "pod " + pod.id + " in slot "
                        + pod.slot + " due at " + offset / MS + " ms into turn " + turn);
            }
            assertEquals(INTERVAL, pod.dueAt.get(2) - pod.dueAt.get(1), "a steady interval for pod " + pod.id);
            perTenth[(int) (((pod.dueAt.get(1) - origin - INTERVAL) / (100 * MS)) % 10)]++;
        }
        for (int tenth = 0; tenth < 10; tenth++) {
            // 1,000 expected in each tenth of the interval; one shared tick would put all 10,000 in one.
            assertTrue(perTenth[tenth] > 850 && perTenth[tenth] < 1150, "scrapes in tenth " + tenth + ": "
                    + perTenth[tenth]);
        }
    }

    @Test
    void aRemovedMemberIsNotDueAgainAndTheOthersInItsSlotStillAre() {
        ScrapeWheel<Pod> wheel = wheel();
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            pods.add(new Pod(i));
            wheel.add(pods.get(i), 7);
        }
        run(wheel, 1_000, 10);
        wheel.remove(pods.get(1)); // from the middle: the last moves into its place
        wheel.remove(pods.get(1)); // twice is harmless
        wheel.remove(pods.get(4));
        visits.clear();
        run(wheel, 2_000, 10);

        assertEquals(List.of(0, 0, 2, 2, 3, 3), visits.stream().map(p -> p.id).sorted().toList());
        assertEquals(3, wheel.size());
        assertEquals(-1, pods.get(1).slot);
        wheel.add(pods.get(1), 50); // back, e.g. ready again
        visits.clear();
        run(wheel, 1_000, 10);
        assertEquals(List.of(0, 1, 2, 3), visits.stream().map(p -> p.id).sorted().toList());
    }

    @Test
    void aMemberRemovedWhileItsSlotIsBeingVisitedLeavesNoOtherUnvisited() {
        ScrapeWheel<Pod> wheel = wheel();
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pods.add(new Pod(i));
            wheel.add(pods.get(i), 3);
        }
        onDue = pod -> {
            if (pod.id == 2) {
                wheel.remove(pod);
            }
        };
        run(wheel, 1_000, 10);
        assertEquals(List.of(0, 1, 2, 3), visits.stream().map(p -> p.id).sorted().toList());
        visits.clear();
        run(wheel, 1_000, 10);
        assertEquals(List.of(0, 1, 3), visits.stream().map(p -> p.id).sorted().toList());
    }

    @Test
    void aMemberIsOnOneWheelOnce() {
        ScrapeWheel<Pod> wheel = wheel();
        Pod pod = new Pod(1);
        wheel.add(pod, 3);
        assertThrows(IllegalStateException.class, () -> wheel.add(pod, 3));
        assertThrows(IllegalStateException.class, () -> wheel.add(pod, 9));
        run(wheel, 1_000, 10);
        assertEquals(1, pod.dueAt.size());
    }

    @Test
    void aLateLoopCatchesUpOnceNotOncePerMissedTurn() {
        ScrapeWheel<Pod> wheel = wheel();
        for (int i = 0; i < 100; i++) {
            wheel.add(new Pod(i), i);
        }
        run(wheel, 1_000, 10);
        visits.clear();
        run(wheel, 3_500, 3_500); // the event loop was stuck for 3.5 intervals
        assertEquals(100, visits.size());
        assertEquals(100, visits.stream().distinct().count());
        visits.clear();
        run(wheel, 1_000, 10); // and then due in its own slot again
        assertEquals(100, visits.size());
    }

    @Test
    void aDeadlineRunsOnceAtTheTimeoutWithinASlotAndNotBefore() {
        ScrapeWheel<Pod> wheel = wheel();
        List<Long> expired = new ArrayList<>();
        run(wheel, 3, 3); // mid-slot
        long set = now;
        wheel.atDeadline(() -> expired.add(now));
        assertTrue(wheel.active(), "a pending deadline keeps the wheel's timer running");
        run(wheel, 2_000, 1);
        assertEquals(1, expired.size());
        long waited = expired.get(0) - set;
        assertTrue(waited >= 800 * MS && waited <= 820 * MS, "expired after " + waited / MS + " ms");
        assertFalse(wheel.active(), "nothing left to do: the timer may stop");
    }

    @Test
    void aDeadlineSetWhileCatchingUpWaitsTheFullTimeout() {
        ScrapeWheel<Pod> wheel = wheel();
        List<Long> expired = new ArrayList<>();
        long[] setAt = new long[1];
        Pod pod = new Pod(1);
        wheel.add(pod, 10);
        onDue = p -> {
            if (setAt[0] == 0) {
                setAt[0] = now;
                wheel.atDeadline(() -> expired.add(now));
            }
        };
        run(wheel, 1_900, 1_900); // the slot is visited as part of a late catch-up
        assertEquals(1, pod.dueAt.size());
        run(wheel, 790, 10);
        assertEquals(List.of(), expired, "not expired before its timeout");
        run(wheel, 40, 10);
        assertEquals(1, expired.size());
    }

    @Test
    void resumingAfterIdleWaitsForTheMembersOwnSlot() {
        ScrapeWheel<Pod> wheel = wheel();
        long origin = now;
        now += 5_000 * MS; // the timer was stopped: nothing to do for 5 s
        wheel.resume(now);
        Pod pod = new Pod(1);
        wheel.add(pod, 50);
        run(wheel, 1_000, 10);
        assertEquals(1, pod.dueAt.size());
        assertEquals(500 * MS, (pod.dueAt.get(0) - origin) % INTERVAL, "due at its phase, 500 ms into a turn");
    }

    @Test
    void aMemberArrivingAloneIsDueAtTheNextTickThenOncePerInterval() {
        ScrapeWheel<Pod> wheel = wheel();
        run(wheel, 330, 10);
        Pod pod = new Pod(1);
        wheel.add(pod, wheel.nextSlotOr(90)); // slot 90 would be 600 ms away
        long added = now;
        run(wheel, 1_010, 10);
        assertEquals(List.of(added + 10 * MS, added + 10 * MS + INTERVAL), pod.dueAt,
                "a pod that just became ready waits one tick, then keeps that phase");
    }

    @Test
    void membersArrivingTogetherTakeTheNextSlotOnlyUpToItsShare() {
        ScrapeWheel<Pod> wheel = wheel();
        // An informer's first list: 10,000 pods in 50 ticks of 10 ms. Their other slot is never the next one here,
        // so what lands in the next slot is the rule's doing: never more than that slot's share plus one, however
        // many arrive in the tick (200 here; without the share, all 200 would be scraped in one slot forever).
        for (int tick = 0; tick < 50; tick++) {
            int next = (tick + 1) % wheel.slotCount();
            int inNext = 0;
            for (int i = 0; i < 200; i++) {
                Pod pod = new Pod(tick * 200 + i);
                wheel.add(pod, wheel.nextSlotOr((next + 1 + i % (wheel.slotCount() - 1)) % wheel.slotCount()));
                inNext += pod.slot == next ? 1 : 0;
            }
            int share = wheel.size() / wheel.slotCount();
            assertTrue(inNext >= 1 && inNext <= share + 1, "tick " + tick + ": " + inNext
                    + " of its 200 arrivals in the next slot, whose share is " + share);
            run(wheel, 10, 10);
        }
        assertEquals(10_000, wheel.size());
    }

    @Test
    void aNewcomerTakesTheNextSlotWhileItHoldsNoMoreThanItsShare() {
        ScrapeWheel<Pod> wheel = wheel();
        for (int slot = 0; slot < wheel.slotCount(); slot++) {
            wheel.add(new Pod(slot), slot); // one per slot: every slot holds its share
        }
        run(wheel, 120, 10);
        int next = 13;
        assertEquals(next, wheel.nextSlotOr(-1), "the next slot holds 1 of 100 over 100 slots: its share");
        wheel.add(new Pod(100), next);
        assertEquals(-1, wheel.nextSlotOr(-1), "2 of 101 is over its share: the newcomer takes the other slot");
        run(wheel, 10, 10);
        assertEquals(14, wheel.nextSlotOr(-1), "the tick after, the next slot again");
    }
}
