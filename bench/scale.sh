#!/bin/bash
# Config-load scale measurement for ngx_http_wellknown_module. Targets, on 2
# cores, with every issuer its own two private-key files (--scheme distinct):
# `nginx -t` takes at most 1.0 s of CPU (user+sys) per 10,000 issuers; 100,000
# issuers add at most 400 MiB to a worker; a reload with one key file replaced
# costs the master at most 10% of the CPU of `nginx -t`. The report says MET or
# NOT MET for every N of 10,000 or more.
#
# Usage (no make needed; run from anywhere, as root or a user that can run nginx):
#
#   bench/scale.sh [-n 1000,10000] [--runs 3] [--scheme distinct|half-shared]
#                  [--key-format pkcs8[,sec1,spki]] [--no-keys-only] [--no-reload]
#                  [--perf] [--callgrind]
#
#   -n LIST        issuer counts, comma separated (default 1000,10000; env SCALE_N)
#   --runs K       `nginx -t` runs per configuration, the median is reported (default 3)
#   --scheme S     distinct (default): issuer i has its own set "tIIIIII" of two
#                  distinct keys, build/scale/keys-distinct/IIIIII-a.pem and -b.pem
#                  (issuer 0's first key is PREFIX/changing-a.pem, which the reload
#                  measurement replaces); N sets, 2N key files, nothing shared.
#                  half-shared: the scheme below (N/2 + 1 sets), with --key-format
#   --no-reload    skip the reload measurement: with nginx running, SIGHUP the master
#                  once with nothing changed and once after replacing one key file
#                  (written aside, renamed over it); the master's utime+stime from
#                  /proc/PID/stat across each, until the new worker replaced the old;
#                  checks the JWKS is unchanged after the first and changed after the
#                  second
#   --key-format L key file encodings to measure (default pkcs8): pkcs8 "PRIVATE KEY",
#                  sec1 "EC PRIVATE KEY", spki "PUBLIC KEY"; the same keys re-encoded
#   --no-keys-only skip the "key sets only" variant that splits load time into
#                  key loading vs issuers
#   --perf         also `perf record --call-graph dwarf` one `nginx -t` of the smallest N
#                  (first key format) and list the top inclusive functions (seconds)
#   --callgrind    also run `valgrind --tool=callgrind nginx -t` on the smallest N
#                  (first key format); about a minute per 1000 issuers
#   env MODULE     the module to measure (default build/ngx_http_wellknown_module.so);
#                  it is copied once at the start of the run, so a concurrent rebuild
#                  cannot change it mid-run
#   env NGINX_BIN  nginx binary (default /usr/sbin/nginx)
#
#   Examples: the issue-14 figures (distinct keys; 200,000 keys are generated once,
#   ~30 s, and cached):
#     bench/scale.sh -n 1000,10000,100000 --runs 3 --no-keys-only
#   key encodings compared (the half-shared scheme):
#     bench/scale.sh --scheme half-shared --key-format pkcs8,sec1,spki --perf --callgrind
#
# Needs only Debian's python3 and python3-cryptography (keys), /usr/bin/time (the
# `time` package; installed with apt-get if missing and running as root), curl.
# bench/common.py holds what this and bench/bench.sh share.
#
# Generated configuration, for N issuers (--scheme half-shared; N/2 below means
# floor(N/2); --scheme distinct differs only in the key sets, as said above):
#   - issuer i, 0 <= i < N, is https://id.example.com/tenantIIII (i zero padded
#     to at least 4 digits) in ONE server block, documents openid-configuration
#     and oauth-authorization-server, members authorization_endpoint,
#     token_endpoint (ISSUER/authorize, ISSUER/token), response_types_supported
#     code, subject_types_supported public; jwks_uri and
#     id_token_signing_alg_values_supported are derived by the module;
#     wellknown_not_found on, and no location (a `return` would answer first).
#   - issuers 0 .. N/2-1 each sign with their own set "tIIII" of two keys,
#     build/scale/keys/own-IIIII-a.pem and own-IIIII-b.pem;
#     issuers N/2 .. N-1 all use the one set "shared" (shared-a.pem, shared-b.pem).
#     So N/2 + 1 wellknown_keys blocks and 2*(N/2) + 2 key files.
#   - keys are EC P-256, PKCS#8 "PRIVATE KEY" PEM, generated once and cached in
#     build/scale/keys (reruns and smaller N reuse them); --key-format sec1/spki
#     re-encode the same keys into build/scale/keys-sec1, keys-spki.
#   - Because every set is EC only, the derived id_token_signing_alg_values_supported
#     is [ES256] and the module warns that RS256 is missing: one [warn] line for
#     all N issuers. [warn] lines are counted and reported.
#   - baseline ("0"): the same nginx.conf, module loaded, no key set, no issuer.
#   - key sets only (build/scale/N-keys-only): the N/2 + 1 key sets but no issuer,
#     to split load time into key loading vs issuers by subtraction.
#   Each configuration lives in build/scale/<name>/ (N, N-keys-only, N-spki, ...,
#   baseline; each with nginx.conf, logs/, tmp/,
#   modules/ with a copy of the module); pid and error_log inside the prefix,
#   listen 127.0.0.1:<free port>, worker_processes 1.
#
# Measured per configuration: `nginx -t` wall time (median of --runs) and its
# peak RSS (/usr/bin/time -v "Maximum resident set size"); then nginx is started
# (`nginx -p PREFIX -c PREFIX/nginx.conf`), master and worker VmRSS are read from
# /proc/PID/status, one tenant document (200) and an unknown tenant (404) are
# fetched with curl, and nginx is stopped with `nginx -p PREFIX -s stop`.
# The table goes to stdout and build/scale/results.txt (details in
# build/scale/results.json; profiles in perf-report.txt, callgrind-inclusive.txt).
# Wall times on a shared machine vary by +-30% run to run (the 1-min load average
# before each run is recorded); callgrind's instruction counts do not.
exec /usr/bin/python3 "$(dirname "$(readlink -f "$0")")/scale.py" "$@"
