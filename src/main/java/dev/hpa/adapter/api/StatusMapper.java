package dev.hpa.adapter.api;

import dev.hpa.adapter.derive.ValuesUnavailableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error leaves as a metav1.Status: kube-apiserver logs "an error that is not a metav1.Status" for anything
 * else, and clients show the message to the user.
 */
public class StatusMapper {

    private static final Logger LOG = Logger.getLogger(StatusMapper.class);

    @ServerExceptionMapper
    public Response apiException(ApiException e) {
        return Response.status(e.code()).type(KubeJson.JSON)
                .entity(KubeJson.statusBody(e.code(), e.reason(), e.getMessage(), e.details())).build();
    }

    /** The source of values could not answer (prometheus mode): the HPA keeps its scale and retries next sync. */
    @ServerExceptionMapper
    public Response valuesUnavailable(ValuesUnavailableException e) {
        return KubeJson.status(503, "ServiceUnavailable", e.getMessage());
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return KubeJson.status(404, "NotFound", "the server could not find the requested resource");
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return KubeJson.status(405, "MethodNotAllowed",
                "the server does not allow this method on the requested resource");
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int code = e.getResponse().getStatus();
        Response.Status status = Response.Status.fromStatusCode(code);
        String reason = status == null ? "Unknown" : status.getReasonPhrase().replace(" ", "");
        return KubeJson.status(code, reason, e.getMessage());
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e) {
        LOG.error("Unexpected error answering a request", e);
        return KubeJson.status(500, "InternalError", "Internal error occurred: " + e);
    }
}
