# VARIANT=asan (make test-asan): the module and the core built with
# AddressSanitizer and UndefinedBehaviorSanitizer, every report fatal.
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
MODULE_FLAGS := $(SAN_FLAGS)
CORE_FLAGS   := -g -O1 $(SAN_FLAGS)
LINK_FLAGS   := $(SAN_FLAGS)

# Unit tests: leaks are errors (the core owns all its memory; no nginx pool
# is involved).
UNIT_ENV := ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
            UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# t/: Debian's nginx (not instrumented: NGX_DEBUG_PALLOC only changes
# nginx's own ngx_palloc.c) loads the ASan module through a wrapper that
# preloads libasan; every nginx prefix is kept and its sanitizer logs scanned.
T_NGINX   = $(CURDIR)/test/sanitize/nginx-asan
T_ENV     = REAL_NGINX_BIN=$(NGINX_BIN)
T_RUN    := test/sanitize/run-and-scan asan
# t/85-reload-under-load.t asserts that VmRSS stays flat over 500 reloads,
# which ASan's quarantine and shadow memory make meaningless (reloads run
# under ASan in t/40-reload.t and others); t/90-cost.t measures an
# instruction budget with its own nginx under callgrind.
T_EXCLUDE := t/85-reload-under-load.t t/90-cost.t
