package dev.hpa.adapter.auth;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Client-certificate trust of the adapter's HTTPS port; the HTTPS server keeps this one instance and asks it on
 * every handshake, so {@link #update} applies to the next connection.
 *
 * <p>It names the request-header and client CAs as acceptable issuers, so that clients (JDK ones in particular)
 * pick and send a matching certificate, and then accepts whatever chain arrives. This is Go's
 * {@code tls.RequestClientCert}, which kube's servers use: the certificate is verified per request by
 * {@link CertificateAuthenticator}, so a bad one ends in a 401 Status that says what is wrong (unknown CA, expired,
 * CN not allowed) instead of a handshake failure ("certificate unknown") nobody can diagnose, and a client with a
 * stale certificate can still authenticate with a bearer token. The handshake still proves that the client holds
 * the certificate's private key (CertificateVerify); only the chain's trust is deferred.
 *
 * <p>Never use this for anything but the server side of that port: it would trust every certificate anywhere else.
 */
public final class ClientTrustManager extends X509ExtendedTrustManager {

    private static final X509Certificate[] NONE = new X509Certificate[0];

    private volatile X509Certificate[] acceptedIssuers = NONE;

    /** Asks for no particular issuer until the first {@link #update}. */
    public ClientTrustManager() {
    }

    public ClientTrustManager(AuthenticationSettings settings) {
        update(settings);
    }

    /** Switches to the CAs of these settings; handshakes already running keep the set they started with. */
    public void update(AuthenticationSettings settings) {
        Set<X509Certificate> union = new LinkedHashSet<>(settings.requestHeaderCAs());
        union.addAll(settings.clientCAs());
        acceptedIssuers = union.toArray(X509Certificate[]::new);
    }

    /** The request-header CAs and the client CAs, each once: the CA list of the TLS CertificateRequest. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return acceptedIssuers.clone();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
        acceptForLaterVerification(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        acceptForLaterVerification(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        acceptForLaterVerification(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw serverSideOnly();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw serverSideOnly();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw serverSideOnly();
    }

    /**
     * Accepts any non-empty chain: trust is decided per request by {@link CertificateAuthenticator} (see the class
     * comment). The emptiness check is the interface's contract, which JSSE never breaks.
     */
    private static void acceptForLaterVerification(X509Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            throw new IllegalArgumentException("a client certificate chain must not be empty");
        }
    }

    private static CertificateException serverSideOnly() {
        return new CertificateException(
                "ClientTrustManager judges the clients of the adapter's HTTPS port and trusts no server");
    }
}
