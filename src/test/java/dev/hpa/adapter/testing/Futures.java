package dev.hpa.adapter.testing;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/** Waits for a Vert.x future from test code (starting and stopping the stand-in servers), at most 10 s. */
public final class Futures {

    private Futures() {}

    /** @param what the stand-in that waits, for the message: "fake kubelet", "service front" */
    public static <T> T await(Future<T> future, String what) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted while waiting", e);
        } catch (Exception e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        }
    }
}
