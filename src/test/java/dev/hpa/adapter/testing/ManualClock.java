package dev.hpa.adapter.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock the test moves by hand: cache entries expire, certificates age, without sleeping. */
public final class ManualClock extends Clock {

    private volatile Instant now = Instant.parse("2026-08-20T10:15:30Z");

    public void advance(Duration by) {
        now = now.plus(by);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the code under test reads instants only");
    }
}
