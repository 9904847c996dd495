package dev.hpa.adapter.scrape;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Coverage-guided fuzzing of the hand-written protobuf decoder of queue-proxy's {@code Stat}. */
class QueueProxyStatFuzzTest {

    /**
     * Bytes either fail with MetricsFormatException naming an offset, or decode to fields that are all in the
     * bytes: each non-zero double as its 8 little-endian bytes, the pod name as its UTF-8 bytes.
     */
    @FuzzTest
    void decode(byte[] body) {
        QueueProxyStat stat;
        try {
            stat = QueueProxyStat.decode(body, body.length);
        } catch (MetricsFormatException e) {
            assertTrue(e.getMessage().startsWith("Stat at offset "), e.getMessage());
            return;
        }
        for (double value : new double[] {stat.averageConcurrentRequests(), stat.averageProxiedConcurrentRequests(),
                stat.requestCount(), stat.proxiedRequestCount(), stat.processUptime()}) {
            if (Double.doubleToRawLongBits(value) != 0) {
                byte[] bits = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(value).array();
                assertTrue(contains(body, bits), value + " is not in the bytes");
            }
        }
        if (!stat.podName().isEmpty() && !stat.podName().contains("\uFFFD")) {
            assertTrue(contains(body, stat.podName().getBytes(UTF_8)), "pod name " + stat.podName() + " not in the bytes");
        }
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
