package dev.hpa.adapter.playground;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * Reads a Pods metric the way the HPA controller's custom-metrics client does:
 * {@code GET /apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/pods/%2A/{metric}?labelSelector=…} over verified
 * TLS, values as integer milli-units (the controller reads {@code MilliValue()}, rounded up).
 */
public final class CustomMetricsClient {

    /** A non-200 answer or an unreadable one: the HPA then keeps the replica count and reports why. */
    public static final class MetricsUnavailableException extends Exception {
        MetricsUnavailableException(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;
    private final Map<String, String> headers;

    /**
     * @param base    where custom.metrics.k8s.io is served: kube-apiserver (the aggregator), or the adapter itself
     * @param tls     the client certificate to present and the CAs to trust
     * @param headers added to every request, e.g. the front proxy's X-Remote-User when calling the adapter directly
     */
    public CustomMetricsClient(URI base, SSLContext tls, Map<String, String> headers) {
        this.base = base;
        this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        this.headers = Map.copyOf(headers);
    }

    /** Pod name → milli value, for every item of the answer. */
    public Map<String, Long> podValues(String namespace, String metric, String labelSelector)
            throws MetricsUnavailableException {
        String path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + namespace + "/pods/%2A/" + metric
                + "?labelSelector=" + URLEncoder.encode(labelSelector, StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5)).GET();
        headers.forEach(request::header);
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new MetricsUnavailableException("GET " + path + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetricsUnavailableException("interrupted");
        }
        try {
            JsonNode body = JSON.readTree(response.body());
            if (response.statusCode() != 200) {
                throw new MetricsUnavailableException(response.statusCode() + " " + body.path("message").asText());
            }
            Map<String, Long> values = new LinkedHashMap<>();
            for (JsonNode item : body.path("items")) {
                values.put(item.path("describedObject").path("name").asText(), milli(item.path("value").asText()));
            }
            return values;
        } catch (IOException | NumberFormatException e) {
            throw new MetricsUnavailableException("unreadable answer (" + response.statusCode() + "): " + e.getMessage());
        }
    }

    /** A Quantity as the adapter writes it ("1500m", "12") in milli-units, rounded up as MilliValue() does. */
    static long milli(String quantity) {
        if (quantity.endsWith("m")) {
            return Long.parseLong(quantity.substring(0, quantity.length() - 1));
        }
        return new BigDecimal(quantity).movePointRight(3).setScale(0, RoundingMode.CEILING)
                .longValueExact();
    }
}
