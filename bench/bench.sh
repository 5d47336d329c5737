#!/bin/bash
# Request-path cost of ngx_http_wellknown_module against nginx's own fastest
# response path (the budget: the module at most 1.00x of nginx's `return` of
# the same bytes). `make bench` runs it; so can you, from anywhere:
#
#   bench/bench.sh [--no-wrk] [--tenants 10000] [--n1 200 --n2 2200]
#                  [--wrk-rounds 3 --wrk-duration 2 --wrk-connections 8]
#                  [--wrk-cases jwks,jwks-304,jwks-gzip,jwks-loc,disc,tenant]
#                  [--cases NAME,...] [--no-profile] [--scale] [--out DIR]
#   bench/bench.sh --guard --out DIR    # what t/90-cost.t runs (~15 s)
#
#   env MODULE     the module (default build/ngx_http_wellknown_module.so); copied
#                  once at the start, so a concurrent rebuild cannot change it
#                  mid-run (a missing or unloadable .so is waited for, bounded)
#   env NGINX_BIN  nginx (default /usr/sbin/nginx)
#   --scale        afterwards also run bench/scale.sh (config-load scale)
#
# Needs Debian's python3 and python3-cryptography (keys; `make deps` installs
# it), valgrind (callgrind, callgrind_control, callgrind_annotate), wrk,
# taskset; `make bench` installs valgrind and wrk with apt-get when missing.
# bench/common.py holds what this and bench/scale.sh share.
#
# Three variants of the same response, each an nginx with `master_process off;
# daemon off;` (one process), generated under build/bench/{a,b,c-prefix}:
#   (a) the module;
#   (b) nginx `location = PATH { add_header ...; return 200 '<the same bytes>'; }`
#       with the module's response headers copied by add_header (Last-Modified,
#       ETag, Access-Control-Allow-Origin, Cache-Control, Vary, Content-Encoding)
#       and default_type application/json: the floor of nginx's response path.
#       For 304 it is `return 304;` with the same headers (a `return` cannot
#       compare If-None-Match, so (b) skips that comparison: a strict floor);
#   (c) the same bytes as a static file: `alias` + open_file_cache (nginx's own
#       ETag and Last-Modified), gzip_static with the module's compressed bytes
#       as FILE.gz for the gzip cases, and `root` over one directory per tenant
#       (10,000 files) for the tenant case.
# Bodies and headers of (b) and (c) are taken from what the module sent (fetched
# natively first) and checked byte for byte before measuring. Every variant has
# access_log off, sendfile on, tcp_nopush on, keepalive_requests 1000000.
#
# Cases (request path; every request has Host and User-Agent):
#   jwks        JWKS an issuer serves at /.well-known/jwks.json (pre-content
#               phase): 3 RSA-2048 + 2 EC P-256 keys, 1.8 KB
#   jwks-304    the same with If-None-Match: its ETag
#   jwks-gzip   the same with Accept-Encoding: gzip ("pending" when the module
#               sends no Content-Encoding: gzip)
#   jwks-loc    the same set from `location = /.well-known/jwks.json
#               { wellknown_jwks jwks; }` in a server without issuers (README)
#   jwks-sched  the same five keys from a key set with publication windows
#               (a path issuer, /rotating/jwks.json): the version in effect
#               now, with its Last-Modified; held to 1.05x of jwks
#   jwks-loc-iss  a wellknown_jwks location in a server that also has an issuer
#               (/protocol/openid-connect/certs, as the demo)
#   disc, disc-304, disc-gzip   the discovery document of an OpenID Provider
#               fronted by Auth0 on a custom domain (root issuer)
#   tenant      /tenantNNNN/.well-known/openid-configuration of issuer N/2 among
#               --tenants path issuers in one server (all share one key set);
#               the same tenant from a server with that one issuer is printed
#               below it: routing must not grow with the number of issuers
#   x5c, x5c-gzip  a JWKS with x5c chains (3 RSA certificates + 2 EC, 5.2 KB);
#               no (b): nginx.conf tokens are capped at 4 KB
#   (b) gzip bodies are binary: a `$` in them is written ${dollar}, a geo
#   variable, which costs (b) a variable evaluation; the table notes it.
#
# Primary metric, deterministic: instructions per request (callgrind Ir). All
# three nginx run at once under valgrind --tool=callgrind --instr-atstart=no;
# instrumentation is switched on once they listen (callgrind_control -i on).
# A measurement opens one keep-alive connection, sends one warm-up request,
# zeroes the counters (callgrind_control -z), sends N requests one after the
# other, dumps the counters (callgrind_control -d) and closes. Per request =
# (Ir[N2] - Ir[N1]) / (N2 - N1), default N1=200, N2=2200, which cancels the
# connection and the control round trips; order per case: N1 a b c, N2 a b c.
# Reported to three significant figures; reruns agree within a few
# instructions (the once-a-second time update of nginx lands in some runs).
# Per-function costs per request (inclusive and self, the same difference)
# are in build/bench/profiles.txt; nginx is stripped, so its static
# functions show as addresses.
#
# Secondary, noisy: wrk req/s and p99 latency. The three nginx run natively,
# pinned to CPU 1 (taskset), wrk -t1 to CPU 0, rounds interleaved a b c a b c,
# median and [min-max] of --wrk-rounds. On a shared 2-core machine these vary
# by tens of percent run to run; compare instruction counts, not these.
#
# Output: the table on stdout and in build/bench/results.txt; everything
# (raw Ir, headers, wrk rounds, profiles, machine) in build/bench/results.json.
exec /usr/bin/python3 "$(dirname "$(readlink -f "$0")")/bench.py" "$@"
