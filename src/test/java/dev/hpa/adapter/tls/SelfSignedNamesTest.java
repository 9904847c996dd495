package dev.hpa.adapter.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class SelfSignedNamesTest {

    private static final List<String> LOOPBACK_IPS = List.of("127.0.0.1", "::1");

    @Test
    void addsTheServiceNamesWhenServiceAndNamespaceAreKnown() {
        SelfSignedNames names = SelfSignedNames.of(Optional.of("adapter-7d9f"), "hpa-adapter",
                Optional.of("monitoring"));

        assertEquals(List.of("localhost", "adapter-7d9f", "hpa-adapter.monitoring.svc",
                "hpa-adapter.monitoring.svc.cluster.local"), names.dnsNames());
        assertEquals(LOOPBACK_IPS, names.ipAddresses());
    }

    @Test
    void leavesOutServiceNamesOutsideAPod() {
        assertEquals(List.of("localhost", "laptop"),
                SelfSignedNames.of(Optional.of("laptop"), "hpa-adapter", Optional.empty()).dnsNames());
    }

    @Test
    void copesWithAnUnknownOrLoopbackHostName() {
        assertEquals(List.of("localhost"), SelfSignedNames.of(Optional.empty(), "a", Optional.empty()).dnsNames());
        assertEquals(List.of("localhost"), SelfSignedNames.of(Optional.of("localhost"), "a", Optional.empty()).dnsNames());
    }
}
