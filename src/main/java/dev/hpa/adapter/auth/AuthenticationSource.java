package dev.hpa.adapter.auth;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.config.KubernetesConnection;
import dev.hpa.adapter.config.StartupProblem;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Keeps who-may-call-us current: the front-proxy CA, its allowed names and header names, and the client CA, from
 * kube-system/extension-apiserver-authentication (watched, so a rotated CA takes effect without a restart), with
 * the file overrides on top. Feeds both the TLS layer (which certificates to ask for) and the per-request
 * authenticator.
 */
@Startup
@ApplicationScoped
public class AuthenticationSource {

    static final String NAMESPACE = "kube-system";
    static final String NAME = "extension-apiserver-authentication";
    private static final Logger LOG = Logger.getLogger(AuthenticationSource.class);

    private final KubernetesClient client;
    private final Optional<List<X509Certificate>> requestHeaderCAs;
    private final Optional<List<X509Certificate>> clientCAs;
    private final ClientTrustManager trust = new ClientTrustManager();
    private volatile CertificateAuthenticator authenticator;
    private AuthenticationSettings current;
    private SharedIndexInformer<ConfigMap> informer;

    public AuthenticationSource(KubernetesClient client, AdapterConfig config) {
        this.client = client;
        this.requestHeaderCAs = config.authentication().requestheaderClientCaFile()
                .map(file -> AuthenticationSettings.readPemBundle(Path.of(file)));
        this.clientCAs = config.authentication().clientCaFile()
                .map(file -> AuthenticationSettings.readPemBundle(Path.of(file)));
    }

    /**
     * Reads the configmap once before serving, so that the first request is judged with the cluster's settings;
     * without it and without the override files the adapter would reject kube-apiserver itself, so it does not
     * start.
     */
    @PostConstruct
    void load() {
        KubernetesConnection.requireConfigured(client);
        ConfigMap configMap = null;
        String problem = null;
        try {
            configMap = client.configMaps().inNamespace(NAMESPACE).withName(NAME).get();
            if (configMap == null) {
                problem = "Configmap " + NAMESPACE + "/" + NAME + " does not exist (it is kube-apiserver's, and every"
                        + " cluster has it)";
            }
        } catch (KubernetesClientException e) {
            problem = KubernetesConnection.describe(e, client, "Cannot read configmap " + NAMESPACE + "/" + NAME,
                    "Bind Role extension-apiserver-authentication-reader in kube-system to the adapter's service"
                            + " account (manifests/base/rbac-auth-delegation.yaml)");
        }
        if (configMap == null && requestHeaderCAs.isEmpty() && clientCAs.isEmpty()) {
            throw new StartupProblem(problem + ". Without it the adapter cannot tell kube-apiserver's proxy from"
                    + " anyone else; or set adapter.authentication.requestheader-client-ca-file and"
                    + " adapter.authentication.client-ca-file");
        }
        if (configMap == null) {
            LOG.warnf("%s; using only the configured CA files", problem);
        }
        apply(configMap == null ? Map.of() : configMap.getData());
        if (configMap != null) {
            watch();
        }
    }

    private void watch() {
        informer = client.configMaps().inNamespace(NAMESPACE).withField("metadata.name", NAME)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ConfigMap configMap) {
                        update(configMap);
                    }

                    @Override
                    public void onUpdate(ConfigMap old, ConfigMap configMap) {
                        update(configMap);
                    }

                    @Override
                    public void onDelete(ConfigMap configMap, boolean finalStateUnknown) {
                        LOG.warnf("Configmap %s/%s was deleted; keeping the settings read last", NAMESPACE, NAME);
                    }
                });
    }

    private void update(ConfigMap configMap) {
        try {
            apply(configMap.getData() == null ? Map.of() : configMap.getData());
        } catch (IllegalArgumentException e) {
            LOG.errorf("Ignoring an update of configmap %s/%s, keeping the settings read last: %s", NAMESPACE, NAME,
                    e.getMessage());
        }
    }

    /** Builds settings from the configmap's data with the file overrides on top, and switches to them. */
    private synchronized void apply(Map<String, String> data) {
        AuthenticationSettings settings = AuthenticationSettings.fromConfigMap(data);
        if (requestHeaderCAs.isPresent()) {
            settings = settings.withRequestHeaderCAs(requestHeaderCAs.get());
        }
        if (clientCAs.isPresent()) {
            settings = settings.withClientCAs(clientCAs.get());
        }
        if (settings.equals(current)) {
            return;
        }
        trust.update(settings);
        authenticator = new CertificateAuthenticator(settings);
        current = settings;
        if (settings.requestHeaderCAs().isEmpty()) {
            LOG.warnf("No front-proxy CA: requests proxied by kube-apiserver cannot be authenticated (%d client CA(s))",
                    settings.clientCAs().size());
        } else {
            LOG.infof("Authentication settings loaded: %d front-proxy CA(s), allowed names %s, %d client CA(s)",
                    settings.requestHeaderCAs().size(),
                    settings.allowedNames().isEmpty() ? "any" : settings.allowedNames(), settings.clientCAs().size());
        }
    }

    public CertificateAuthenticator authenticator() {
        return authenticator;
    }

    /** Server-side TLS trust: asks clients for certificates from these CAs. */
    public ClientTrustManager trust() {
        return trust;
    }

    void stop(@Observes ShutdownEvent event) {
        if (informer != null) {
            informer.stop();
        }
    }
}
