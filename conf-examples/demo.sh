#!/usr/bin/env bash
# Starts or stops the demo: nginx with the module under $DEMO, on
# 127.0.0.1:$PORT, serving conf-examples/demo.conf. Keys are generated once
# into $DEMO/keys and reused on later runs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
DEMO=${DEMO:?DEMO is not set}
PORT=${PORT:-8080}

nginx() { "$NGINX_BIN" -p "$DEMO/" -c "$DEMO/nginx.conf" "$@"; }

running() { [ -f "$DEMO/logs/nginx.pid" ] && kill -0 "$(cat "$DEMO/logs/nginx.pid")" 2>/dev/null; }

stop() {
  if running; then
    nginx -s stop
    for _ in $(seq 50); do running || break; sleep 0.1; done
    echo "demo stopped"
  else
    echo "demo is not running"
  fi
}

start() {
  : "${MODULE:?MODULE is not set}"
  mkdir -p "$DEMO"/{keys/tenant1,logs,modules,tmp}
  # Workers run as nobody when started as root: the prefix must be readable.
  chmod 755 "$DEMO" "$DEMO/logs" "$DEMO/modules" "$DEMO/tmp"
  chmod 700 "$DEMO/keys" "$DEMO/keys/tenant1"
  gen() {
    local file=$DEMO/keys/$1; shift
    [ -s "$file" ] && return 0
    (umask 077; openssl genpkey "$@" -out "$file" 2>/dev/null)
    echo "generated $file"
  }
  gen rsa.pem     -algorithm RSA -pkeyopt rsa_keygen_bits:2048
  gen p256.pem    -algorithm EC -pkeyopt ec_paramgen_curve:P-256
  gen p384.pem    -algorithm EC -pkeyopt ec_paramgen_curve:P-384
  gen p521.pem    -algorithm EC -pkeyopt ec_paramgen_curve:P-521
  gen ed25519.pem -algorithm ed25519
  gen tenant1/rsa.pem  -algorithm RSA -pkeyopt rsa_keygen_bits:2048
  gen tenant1/p256.pem -algorithm EC -pkeyopt ec_paramgen_curve:P-256

  cp "$MODULE" "$DEMO/modules/ngx_http_wellknown_module.so"
  sed "s/127\.0\.0\.1:8080/127.0.0.1:$PORT/g" "$here/demo.conf" > "$DEMO/nginx.conf"

  running && stop
  nginx -t -q
  nginx
  for _ in $(seq 50); do running && break; sleep 0.1; done
  running || { echo "nginx did not start; see $DEMO/logs/error.log" >&2; exit 1; }

  cat <<TXT
demo running (nginx pid $(cat "$DEMO/logs/nginx.pid"), prefix $DEMO)
root issuer http://127.0.0.1:$PORT
  http://127.0.0.1:$PORT/.well-known/openid-configuration
  http://127.0.0.1:$PORT/.well-known/oauth-authorization-server
  http://127.0.0.1:$PORT/.well-known/jwks.json
  http://127.0.0.1:$PORT/protocol/openid-connect/certs
path issuer http://127.0.0.1:$PORT/tenant1
  http://127.0.0.1:$PORT/tenant1/.well-known/openid-configuration
  http://127.0.0.1:$PORT/.well-known/oauth-authorization-server/tenant1
  http://127.0.0.1:$PORT/tenant1/jwks.json
protected resource http://127.0.0.1:$PORT/api
  http://127.0.0.1:$PORT/.well-known/oauth-protected-resource/api
private keys for signing test tokens: $DEMO/keys/ (root), $DEMO/keys/tenant1/
stop with: make demo-stop
TXT
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
