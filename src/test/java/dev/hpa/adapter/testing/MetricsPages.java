package dev.hpa.adapter.testing;

import dev.hpa.adapter.testing.FakeModelServer.Format;
import java.util.Arrays;

/** The page a server of one format answers a scrape with, given the scrape's Accept header. */
final class MetricsPages {
    private MetricsPages() {
    }

    static Page render(Format format, String accept, LoadSnapshot load, StatMessage stat, PageContext ctx, int port) {
        PageContext negotiated = ctx.withOpenMetrics(wantsOpenMetrics(accept));
        return switch (format) {
            case TORCHSERVE -> Page.text(NativePages.torchServe(load, ctx), false);
            case TRITON -> Page.text(NativePages.triton(load, ctx), false);
            case TGI -> Page.text(NativePages.tgi(load, ctx), false);
            // both serve through prometheus_client, which negotiates
            case KSERVE_PYTHON -> Page.text(PythonPages.kserve(load, negotiated), negotiated.openMetrics());
            case VLLM -> Page.text(PythonPages.vllm(load, negotiated), negotiated.openMetrics());
            case OTEL_HTTP -> Page.text(GoPages.otelHttp(load, ctx, port), false);
            case QUEUE_PROXY -> Page.protobuf(encode(stat, ctx));
            case KNATIVE_LEGACY_TEXT -> accept != null && accept.contains("application/protobuf")
                    ? Page.protobuf(encode(stat, ctx))
                    : Page.text(GoPages.knativeLegacy(stat, ctx), false);
            case KNATIVE_USER_OPENCENSUS -> Page.text(GoPages.knativeUserOpenCensus(load, ctx), false);
            case KNATIVE_USER_OTEL -> Page.text(GoPages.knativeUserOtel(load, ctx), false);
        };
    }

    private static byte[] encode(StatMessage stat, PageContext ctx) {
        byte[] bytes = stat.encode(ctx.pod());
        // garbage: a message cut mid-field, as a truncated read would leave it
        return ctx.garbage() ? Arrays.copyOf(bytes, Math.max(0, bytes.length - 3)) : bytes;
    }

    /** prometheus_client's choose_encoder: OpenMetrics when any Accept entry's media type is exactly it. */
    private static boolean wantsOpenMetrics(String accept) {
        if (accept == null) {
            return false;
        }
        for (String entry : accept.split(",")) {
            if (entry.split(";")[0].strip().equals("application/openmetrics-text")) {
                return true;
            }
        }
        return false;
    }
}
