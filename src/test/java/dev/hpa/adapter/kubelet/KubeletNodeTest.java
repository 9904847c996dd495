package dev.hpa.adapter.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hpa.adapter.config.ResourceFields;
import dev.hpa.adapter.scrape.ScrapeFailure;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node's JSON, as the API server sends it, read as NodeFields and distilled to where its kubelet listens. */
class KubeletNodeTest {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static {
        ResourceFields.readAs(SERIALIZATION, NodeFields.class);
    }

    /** What the node informer gets for {@code node}. */
    private static NodeFields asListed(Node node) {
        return SERIALIZATION.unmarshal(SERIALIZATION.asJson(node), NodeFields.class);
    }

    @Test
    void aWatchEventsNodeIsReadAsNodeFieldsAndItsImagesAreNotKept() {
        Node node = new NodeBuilder().withNewMetadata().withName("gpu-1").endMetadata().withNewStatus()
                .addNewImage().withNames("nvcr.io/nvidia/tritonserver:24.01").withSizeBytes(12_000_000_000L).endImage()
                .addNewAddress().withType("InternalIP").withAddress("10.0.0.7").endAddress().endStatus().build();
        Object read = SERIALIZATION.unmarshal("{\"type\":\"MODIFIED\",\"object\":" + SERIALIZATION.asJson(node) + "}",
                WatchEvent.class).getObject();
        NodeFields fields = assertInstanceOf(NodeFields.class, read);
        assertEquals(new NodeFields.Status(List.of(new NodeFields.Address("InternalIP", "10.0.0.7")), null),
                fields.getStatus());
    }

    @Test
    void theInternalIpAndTheNodesOwnKubeletPortAreUsed() {
        Node node = new NodeBuilder().withNewMetadata().withName("gpu-1").addToLabels("zone", "a").endMetadata()
                .withNewStatus()
                .addNewAddress().withType("Hostname").withAddress("gpu-1.internal").endAddress()
                .addNewAddress().withType("ExternalIP").withAddress("34.1.2.3").endAddress()
                .addNewAddress().withType("InternalIP").withAddress("10.0.0.7").endAddress()
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(10255).endKubeletEndpoint()
                .endDaemonEndpoints().endStatus().build();
        KubeletNode kubelet = KubeletNode.from(asListed(node));
        assertEquals("10.0.0.7", kubelet.address());
        assertEquals(10255, kubelet.port());
        assertEquals("a", kubelet.labels().get("zone"));
    }

    @Test
    void withoutAPortThe10250DefaultAndIpv6InBrackets() {
        Node node = new NodeBuilder().withNewMetadata().withName("v6").endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("fd00::7").endAddress().endStatus().build();
        KubeletNode kubelet = KubeletNode.from(asListed(node));
        assertEquals(10250, kubelet.port());
        assertEquals("[fd00::7]:10250", kubelet.where());
        assertNull(KubeletNode.from(asListed(new NodeBuilder().withNewMetadata().withName("bare").endMetadata()
                .build())).address());
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
