package dev.hpa.adapter.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The informer's cache keeps keys and resource versions, under fabric8's own keys, and gives back no more. */
class PodKeyStoreTest {

    static PodFields pod(String namespace, String name, String resourceVersion) {
        return PodFieldsTest.asListed(new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withResourceVersion(resourceVersion).addToLabels("app", "llama").endMetadata()
                .withNewSpec().withNodeName("node-1").endSpec().build());
    }

    @Test
    void keysAreTheInformersOwn() {
        PodKeyStore store = new PodKeyStore();
        PodFields pod = pod("team-a", "llama-0", "17");
        assertEquals(Cache.metaNamespaceKeyFunc(pod), store.getKey(pod));
    }

    @Test
    void keepsWhatARelistComparesAndNothingElse() {
        PodKeyStore store = new PodKeyStore();
        assertNull(store.put("team-a/llama-0", pod("team-a", "llama-0", "17")));
        PodFields previous = store.put("team-a/llama-0", pod("team-a", "llama-0", "18"));
        assertEquals("17", previous.getMetadata().getResourceVersion());
        store.put("team-a/llama-1", pod("team-a", "llama-1", "20"));

        PodFields kept = store.get("team-a/llama-0");
        assertEquals("team-a", kept.getMetadata().getNamespace());
        assertEquals("llama-0", kept.getMetadata().getName());
        assertEquals("18", kept.getMetadata().getResourceVersion());
        assertNull(kept.getSpec());
        assertEquals(java.util.Map.of(), kept.getMetadata().getLabels());
        assertEquals(2, store.size());
        assertEquals(List.of("team-a/llama-0", "team-a/llama-1"), store.keySet().sorted().toList());
        assertEquals(List.of("18", "20"), store.values().map(p -> p.getMetadata().getResourceVersion()).sorted()
                .toList());
        assertFalse(store.isFullState());

        assertEquals("llama-1", store.remove("team-a/llama-1").getMetadata().getName());
        assertNull(store.remove("team-a/llama-1"));
        assertNull(store.get("team-a/llama-1"));
        assertEquals(1, store.size());
    }
}
