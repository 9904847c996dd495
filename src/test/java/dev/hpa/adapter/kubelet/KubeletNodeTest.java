package dev.hpa.adapter.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hpa.adapter.scrape.ScrapeFailure;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.Test;

class KubeletNodeTest {

    @Test
    void theInternalIpAndTheNodesOwnKubeletPortAreUsed() {
        Node node = new NodeBuilder().withNewMetadata().withName("gpu-1").addToLabels("zone", "a").endMetadata()
                .withNewStatus()
                .addNewAddress().withType("Hostname").withAddress("gpu-1.internal").endAddress()
                .addNewAddress().withType("ExternalIP").withAddress("34.1.2.3").endAddress()
                .addNewAddress().withType("InternalIP").withAddress("10.0.0.7").endAddress()
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(10255).endKubeletEndpoint()
                .endDaemonEndpoints().endStatus().build();
        KubeletNode kubelet = KubeletNode.from(node);
        assertEquals("10.0.0.7", kubelet.address());
        assertEquals(10255, kubelet.port());
        assertEquals("a", kubelet.labels().get("zone"));
    }

    @Test
    void withoutAPortThe10250DefaultAndIpv6InBrackets() {
        Node node = new NodeBuilder().withNewMetadata().withName("v6").endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("fd00::7").endAddress().endStatus().build();
        KubeletNode kubelet = KubeletNode.from(node);
        assertEquals(10250, kubelet.port());
        assertEquals("[fd00::7]:10250", kubelet.where());
        assertNull(KubeletNode.from(new NodeBuilder().withNewMetadata().withName("bare").endMetadata().build())
                .address());
    }

    @Test
    void failuresSayWhatToDo() {
        KubeletNode node = new KubeletNode("n", "10.0.0.1", 10250, java.util.Map.of());
        assertEquals(true, KubeletScheduler.explain(node, new ScrapeFailure(ScrapeFailure.Reason.TLS_ERROR, "x"))
                .contains("adapter.kubelet.ca-file"));
        assertEquals(true, KubeletScheduler.explain(node, new ScrapeFailure(ScrapeFailure.Reason.CONNECT_ERROR, "x"))
                .contains("port 10250"));
    }
}
