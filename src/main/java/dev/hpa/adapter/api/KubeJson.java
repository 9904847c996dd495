package dev.hpa.adapter.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import jakarta.ws.rs.core.Response;

/**
 * Writes Kubernetes wire JSON with a streaming generator: no DTO trees to build per request, and the field
 * order of Go's encoder, so that our answers diff cleanly against other adapters'.
 */
public final class KubeJson {

    public static final String JSON = "application/json";
    private static final JsonFactory FACTORY = new JsonFactory();

    /** Writes one document. */
    interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    private KubeJson() {}

    static byte[] bytes(Body body) {
        return bytes(body, 512);
    }

    /** Writes one document into a buffer of {@code sizeHint} bytes to begin with, so a large one is not regrown. */
    static byte[] bytes(Body body, int sizeHint) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            body.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory: cannot happen
        }
        return out.toByteArray();
    }

    static Response ok(byte[] body) {
        return Response.ok(body, JSON).build();
    }

    static Response status(int code, String reason, String message) {
        return Response.status(code).type(JSON).entity(statusBody(code, reason, message, null)).build();
    }

    /** Kubernetes' Status details: the object an error is about ({@code kind} is the resource). */
    public record Details(String name, String group, String kind) {}

    /** A metav1.Status document; {@code details} may be null. */
    public static byte[] statusBody(int code, String reason, String message, Details details) {
        return bytes(json -> {
            json.writeStartObject();
            json.writeStringField("kind", "Status");
            json.writeStringField("apiVersion", "v1");
            json.writeObjectFieldStart("metadata");
            json.writeEndObject();
            json.writeStringField("status", "Failure");
            json.writeStringField("message", message);
            json.writeStringField("reason", reason);
            if (details != null) {
                json.writeObjectFieldStart("details");
                json.writeStringField("name", details.name());
                json.writeStringField("group", details.group());
                json.writeStringField("kind", details.kind());
                json.writeEndObject();
            }
            json.writeNumberField("code", code);
            json.writeEndObject();
        });
    }
}
