#!/usr/bin/env bash
# Makes a private CA and a serving certificate for hpa-metrics-adapter, for clusters without
# cert-manager, and writes them as kustomize input for this overlay.
#
# Usage:
#   manifests/overlays/self-signed/make-certs.sh && kubectl apply -k manifests/overlays/self-signed
#
#   make-certs.sh [--force] [OUTPUT_DIR]
#     OUTPUT_DIR  where to write (default: generated/ next to this script, the directory the
#                 overlay's kustomization.yaml reads; it is gitignored)
#     --force     make a new CA even if one exists. Every APIService then needs the new caBundle
#                 (re-apply the overlay) and every adapter pod the new Secret: until both are
#                 updated the APIService is unavailable (FailedDiscoveryCheck).
#
# Writes to OUTPUT_DIR:
#   ca.crt, ca.key               the CA (EC P-256, 5 years); ca.key never leaves this directory
#   tls.crt, tls.key             the serving certificate (EC P-256, 1 year, serverAuth) for
#                                hpa-metrics-adapter.kserve-autoscaling.svc[.cluster.local],
#                                key in PKCS#8
#   secret.yaml                  Secret kserve-autoscaling/hpa-metrics-adapter-serving-cert
#                                (kubernetes.io/tls), the one the Deployment mounts
#   apiservice-cabundle.yaml     patches setting spec.caBundle (ca.crt) on both APIServices
#
# Idempotent: an existing CA is kept (so caBundle stays the same across runs), and an existing
# serving certificate is kept while it still verifies against the CA for the service name, matches
# its key and has more than 30 days left; otherwise a new one is signed by the same CA. To renew
# before expiry, delete tls.crt and run again; a renewed serving certificate needs no APIService
# change, and the adapter reloads the mounted files without a restart.
#
# Needs bash and openssl (OpenSSL 1.1.1 or 3.x) only.
set -euo pipefail

readonly SERVICE=hpa-metrics-adapter
readonly NAMESPACE=kserve-autoscaling
readonly SECRET=hpa-metrics-adapter-serving-cert
readonly DNS_NAME="${SERVICE}.${NAMESPACE}.svc"
readonly CA_DAYS=1825
readonly CERT_DAYS=365
readonly RENEW_SECONDS=$((30 * 24 * 3600))

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

force=false
out_dir=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --force) force=true ;;
        -h|--help) usage 0 ;;
        -*) echo "make-certs.sh: unknown option $1" >&2; usage 2 ;;
        *)
            if [[ -n "$out_dir" ]]; then
                echo "make-certs.sh: only one output directory, got '$out_dir' and '$1'" >&2
                usage 2
            fi
            out_dir="$1" ;;
    esac
    shift
done
if [[ -z "$out_dir" ]]; then
    out_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/generated"
fi

command -v openssl >/dev/null || { echo "make-certs.sh: openssl not found on PATH" >&2; exit 1; }

umask 077
mkdir -p "$out_dir"
cd "$out_dir"

work="$(mktemp -d "${TMPDIR:-/tmp}/make-certs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

new_key() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

random_serial() {
    echo "0x$(openssl rand -hex 16)"
}

# --- CA ----------------------------------------------------------------------------------------
if [[ "$force" == false && ( -e ca.crt || -e ca.key ) ]]; then
    if [[ ! -s ca.crt || ! -s ca.key ]]; then
        echo "make-certs.sh: $out_dir has only one of ca.crt and ca.key; restore the other," \
             "or run with --force to make a new CA (then re-apply the overlay)" >&2
        exit 1
    fi
    echo "keeping the existing CA in $out_dir/ca.crt (--force makes a new one)"
    new_ca=false
else
    cat > "$work/ca.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = ${SERVICE}-ca
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
    new_key "$work/ca.key"
    openssl req -new -x509 -config "$work/ca.cnf" -extensions v3_ca -key "$work/ca.key" \
        -days "$CA_DAYS" -sha256 -set_serial "$(random_serial)" -out "$work/ca.crt"
    mv "$work/ca.key" ca.key
    mv "$work/ca.crt" ca.crt
    echo "made a new CA in $out_dir/ca.crt (valid $CA_DAYS days)"
    new_ca=true
fi

# --- serving certificate ------------------------------------------------------------------------
serving_cert_usable() {
    [[ -s tls.crt && -s tls.key ]] || return 1
    openssl verify -CAfile ca.crt -purpose sslserver -verify_hostname "$DNS_NAME" tls.crt \
        >/dev/null 2>&1 || return 1
    openssl x509 -in tls.crt -noout -checkend "$RENEW_SECONDS" >/dev/null 2>&1 || return 1
    [[ "$(openssl x509 -in tls.crt -noout -pubkey 2>/dev/null)" \
        == "$(openssl pkey -in tls.key -pubout 2>/dev/null)" ]] || return 1
}

if [[ "$new_ca" == false ]] && serving_cert_usable; then
    echo "keeping the existing serving certificate in $out_dir/tls.crt ($(openssl x509 -in tls.crt -noout -enddate))"
else
    cat > "$work/leaf.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = ${DNS_NAME}
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:${DNS_NAME}, DNS:${DNS_NAME}.cluster.local
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    new_key "$work/tls.key"
    openssl req -new -config "$work/leaf.cnf" -key "$work/tls.key" -out "$work/tls.csr"
    openssl x509 -req -in "$work/tls.csr" -CA ca.crt -CAkey ca.key -set_serial "$(random_serial)" \
        -days "$CERT_DAYS" -sha256 -extfile "$work/leaf.cnf" -extensions v3_leaf \
        -out "$work/tls.crt" 2>/dev/null
    openssl verify -CAfile ca.crt -purpose sslserver -verify_hostname "$DNS_NAME" "$work/tls.crt" >/dev/null
    mv "$work/tls.key" tls.key
    mv "$work/tls.crt" tls.crt
    echo "made a new serving certificate in $out_dir/tls.crt for $DNS_NAME (valid $CERT_DAYS days)"
fi

# --- kustomize input ----------------------------------------------------------------------------
b64() {
    openssl base64 -A -in "$1"
}

cat > "$work/secret.yaml" <<EOF
# Generated by make-certs.sh from tls.crt, tls.key and ca.crt in this directory. Do not commit.
apiVersion: v1
kind: Secret
metadata:
  name: ${SECRET}
  namespace: ${NAMESPACE}
  labels:
    app.kubernetes.io/name: ${SERVICE}
type: kubernetes.io/tls
data:
  tls.crt: $(b64 tls.crt)
  tls.key: $(b64 tls.key)
  ca.crt: $(b64 ca.crt)
EOF

ca_bundle="$(b64 ca.crt)"
{
    echo "# Generated by make-certs.sh from ca.crt in this directory: the CA that signed the serving"
    echo "# certificate, which the kube-apiserver uses to verify the adapter."
    for version in v1beta2 v1beta1; do
        cat <<EOF
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: ${version}.custom.metrics.k8s.io
spec:
  caBundle: ${ca_bundle}
EOF
    done
} > "$work/apiservice-cabundle.yaml"

# The manifests carry no private key but the Secret does; keep them owner-readable like the rest.
mv "$work/secret.yaml" secret.yaml
mv "$work/apiservice-cabundle.yaml" apiservice-cabundle.yaml
echo "wrote $out_dir/secret.yaml and $out_dir/apiservice-cabundle.yaml"
