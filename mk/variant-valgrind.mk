# VARIANT=valgrind (make test-valgrind): the release module, with t/ running
# nginx under valgrind memcheck through a wrapper; every nginx prefix is kept
# and its valgrind logs scanned. No unit tests: the asan variant checks the
# core's leaks.
include mk/variant-release.mk
VARIANT_DIR    = $(BUILD)/release
VARIANT_BUILDS = $(MODULE) $(TOOL)
VARIANT_TESTS := t

T_NGINX   = $(CURDIR)/test/sanitize/nginx-valgrind
# The harness's waits (nginx listening, reload, stop, reads) are multiplied
# by this: under valgrind nginx starts and reloads many times slower.
VALGRIND_TIME_SCALE ?= 10
T_ENV     = REAL_NGINX_BIN=$(NGINX_BIN) WELLKNOWN_TIME_SCALE=$(VALGRIND_TIME_SCALE)
T_RUN    := test/sanitize/run-and-scan valgrind
# t/85's 600 reloads of up to 1,000 issuers would take hours and its RSS
# bound means nothing under valgrind; t/90-cost.t runs its own callgrind.
T_EXCLUDE := t/85-reload-under-load.t t/90-cost.t
