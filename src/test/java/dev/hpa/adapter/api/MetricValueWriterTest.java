package dev.hpa.adapter.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hpa.adapter.derive.MetricValue;
import dev.hpa.adapter.derive.ObjectReference;
import dev.hpa.adapter.pods.LabelSelector;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The wire shape, as golden text: what the HPA's decoder and kubectl read (contract §2.3, §2.4, §3). */
class MetricValueWriterTest {

    static final List<MetricValue> VALUES = List.of(
            new MetricValue(ObjectReference.pod("team-a", "llama-7c9f-abcde"), "concurrency",
                    Map.of("source", "vllm"), Instant.parse("2026-08-20T10:15:30Z"), 6, 1500),
            new MetricValue(ObjectReference.inferenceService("team-a", "llama"), "concurrency",
                    Map.of("source", "vllm"), Instant.parse("2026-08-20T10:15:30Z"), 60, 12000));

    static final Map<ApiVersion, String> GOLDEN = Map.of(
            ApiVersion.V1BETA2, """
                    {"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[\
                    {"describedObject":{"kind":"Pod","namespace":"team-a","name":"llama-7c9f-abcde","apiVersion":"v1"},\
                    "metric":{"name":"concurrency","selector":null},"timestamp":"2026-08-20T10:15:30Z",\
                    "windowSeconds":6,"value":"1500m"},\
                    {"describedObject":{"kind":"InferenceService","namespace":"team-a","name":"llama",\
                    "apiVersion":"serving.kserve.io/v1beta1"},"metric":{"name":"concurrency","selector":null},\
                    "timestamp":"2026-08-20T10:15:30Z","windowSeconds":60,"value":"12"}]}""",
            ApiVersion.V1BETA1, """
                    {"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","metadata":{},"items":[\
                    {"describedObject":{"kind":"Pod","namespace":"team-a","name":"llama-7c9f-abcde","apiVersion":"v1"},\
                    "metricName":"concurrency","timestamp":"2026-08-20T10:15:30Z","window":6,"value":"1500m",\
                    "selector":null},\
                    {"describedObject":{"kind":"InferenceService","namespace":"team-a","name":"llama",\
                    "apiVersion":"serving.kserve.io/v1beta1"},"metricName":"concurrency",\
                    "timestamp":"2026-08-20T10:15:30Z","window":60,"value":"12","selector":null}]}""");

    @ParameterizedTest
    @EnumSource(ApiVersion.class)
    void writesEachVersionsShape(ApiVersion version) {
        String json = new String(MetricValueWriter.write(version, VALUES, LabelSelector.EVERYTHING),
                StandardCharsets.UTF_8);
        assertEquals(GOLDEN.get(version), json);
    }

    @Test
    void timestampsAreRfc3339AsMetavOneTimeWritesThem() {
        // Seconds 8 apart share a slot of the formatted-seconds cache: each must still read as its own second.
        for (String at : List.of("2026-08-20T10:15:30Z", "2026-08-20T10:15:38Z", "2026-08-20T10:15:30Z",
                "1970-01-01T00:00:00Z", "1969-12-31T23:59:52Z", "2026-08-20T10:15:38Z")) {
            assertEquals(at, MetricValueWriter.timestamp(Instant.parse(at)).getValue());
        }
        assertEquals("2026-08-20T10:15:30.250Z",
                MetricValueWriter.timestamp(Instant.parse("2026-08-20T10:15:30.250Z")).getValue());
    }

    @Test
    void echoesTheMetricSelector() {
        String json = new String(MetricValueWriter.write(ApiVersion.V1BETA2, VALUES.subList(0, 1),
                LabelSelector.parse("source=vllm,tier in (a,b),!canary")), StandardCharsets.UTF_8);
        assertEquals("""
                {"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[\
                {"describedObject":{"kind":"Pod","namespace":"team-a","name":"llama-7c9f-abcde","apiVersion":"v1"},\
                "metric":{"name":"concurrency","selector":{"matchLabels":{"source":"vllm"},"matchExpressions":[\
                {"key":"canary","operator":"DoesNotExist"},{"key":"tier","operator":"In","values":["a","b"]}]}},\
                "timestamp":"2026-08-20T10:15:30Z","windowSeconds":6,"value":"1500m"}]}""", json);
    }

    @Test
    void namesAreEscapedAsJsonAndItemsThatChangeNamespaceOrKindSayTheirOwn() {
        List<MetricValue> values = List.of(
                new MetricValue(ObjectReference.pod("team-a", "odd\"name\\\u00e9\n"), "concurrency",
                        Map.of(), Instant.parse("2026-08-20T10:15:30Z"), 6, 1500),
                new MetricValue(ObjectReference.namespace("team-b"), "concurrency", Map.of(),
                        Instant.parse("2026-08-20T10:15:31Z"), 6, 2000));
        String json = new String(MetricValueWriter.write(ApiVersion.V1BETA1, values, LabelSelector.EVERYTHING),
                StandardCharsets.UTF_8);
        assertEquals("""
                {"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","metadata":{},"items":[\
                {"describedObject":{"kind":"Pod","namespace":"team-a","name":"odd\\"name\\\\\u00e9\\n",\
                "apiVersion":"v1"},"metricName":"concurrency","timestamp":"2026-08-20T10:15:30Z","window":6,\
                "value":"1500m","selector":null},\
                {"describedObject":{"kind":"Namespace","name":"team-b","apiVersion":"v1"},"metricName":"concurrency",\
                "timestamp":"2026-08-20T10:15:31Z","window":6,"value":"2","selector":null}]}""", json);
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 1m", "999, 999m", "1000, 1", "1500, 1500m", "12000, 12", "-500, -500m",
            "9223372036854775000, 9223372036854775"})
    void quantitiesInCanonicalMilliForm(long milli, String expected) {
        assertEquals(expected, Quantities.milli(milli));
    }
}
