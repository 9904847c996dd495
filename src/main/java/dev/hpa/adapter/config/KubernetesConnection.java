package dev.hpa.adapter.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.io.IOException;
import java.util.Optional;

/**
 * What to tell a person when the Kubernetes API cannot be used at start-up: that none is configured at all (rather
 * than retrying https://kubernetes.default.svc for twenty seconds), that it cannot be reached, or that it refuses.
 */
public final class KubernetesConnection {

    private KubernetesConnection() {
    }

    /**
     * @throws StartupProblem when the client has nothing to go on: not in a pod, no kubeconfig, no API URL (fabric8
     *                        then falls back to https://kubernetes.default.svc, which only resolves inside a cluster)
     */
    public static void requireConfigured(KubernetesClient client) {
        boolean inPod = System.getenv("KUBERNETES_SERVICE_HOST") != null;
        boolean fromKubeconfig;
        try {
            fromKubeconfig = client.getConfiguration().getFile() != null;
        } catch (KubernetesClientException e) {
            // The client is built on first use: an unreadable token, CA or kubeconfig surfaces here.
            Throwable cause = rootIoCause(e);
            throw new StartupProblem("Cannot set up the Kubernetes client: " + (cause != null ? cause : e)
                    + (inPod ? " (the pod's service-account files under /var/run/secrets/kubernetes.io/serviceaccount"
                            + " must be readable by the adapter's user)" : ""));
        }
        boolean fallback = client.getMasterUrl() != null && "kubernetes.default.svc".equals(client.getMasterUrl().getHost());
        if (!inPod && !fromKubeconfig && fallback) {
            String kubeconfig = System.getenv("KUBECONFIG");
            throw new StartupProblem("No Kubernetes API to talk to: not in a pod (KUBERNETES_SERVICE_HOST is unset)"
                    + " and no kubeconfig (" + (kubeconfig == null ? "KUBECONFIG is unset and "
                            + new File(System.getProperty("user.home"), ".kube/config") + " does not exist"
                            : "KUBECONFIG=" + kubeconfig + " names no readable file")
                    + "). Deploy it in the cluster (kubectl apply -k manifests/) or point KUBECONFIG at a kubeconfig");
        }
    }

    /**
     * One line about a failed call: {@code what} failed, and why in terms of what to do.
     *
     * @param toGrant what RBAC (or setting) fixes a 403
     */
    public static String describe(KubernetesClientException e, KubernetesClient client, String what, String toGrant) {
        String server = Optional.ofNullable(client.getMasterUrl()).map(Object::toString).orElse("(unknown)");
        Throwable io = rootIoCause(e);
        if (e.getCode() <= 0 && io != null) { // fabric8 reports -1 or 0 when there was no answer
            return what + ": cannot reach the Kubernetes API at " + server + ": " + io;
        }
        if (e.getCode() == 401) {
            return what + ": the Kubernetes API at " + server + " does not accept the adapter's credentials (401)."
                    + " Check the kubeconfig's user, or the service account token in the pod";
        }
        if (e.getCode() == 403) {
            return what + ": forbidden (" + message(e) + "). " + toGrant;
        }
        return what + ": " + (e.getCode() <= 0 ? "" : "HTTP " + e.getCode() + " ") + message(e);
    }

    private static String message(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : String.valueOf(e.getMessage());
    }

    private static Throwable rootIoCause(Throwable e) {
        Throwable found = null;
        for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof IOException) {
                found = t;
            }
        }
        return found;
    }
}
