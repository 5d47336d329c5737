# Sanitizers, valgrind and fuzzing (issue 5, README "Tests"), included by the
# Makefile. Everything is built under build/asan and build/fuzz; the normal
# build/ngx_http_wellknown_module.so and build/unit-tests are never touched.
#
#   make test-asan       unit tests (ASan+UBSan+LSan) and t/ with an ASan module
#   make test-valgrind   t/ with nginx under valgrind memcheck
#   make fuzz FUZZ_SECONDS=N   every libFuzzer target in fuzz/ for N seconds

# llvm: llvm-symbolizer, for file:line in the fuzzers' reports.
APT_PACKAGES += clang libclang-rt-14-dev llvm valgrind

SANITIZE    := test/sanitize
SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_DIR    := $(BUILD)/asan
ASAN_MODULE := $(ASAN_DIR)/ngx_http_wellknown_module.so
ASAN_UNIT   := $(ASAN_DIR)/unit-tests
# Options for the unit tests: leaks are errors there (the core owns all its
# memory; no nginx pool is involved).
UNIT_ASAN_OPTIONS  := detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
UNIT_UBSAN_OPTIONS := halt_on_error=1:print_stacktrace=1
# t/ files left out, and why (README "Tests"):
#   t/90-cost.t  counts instructions per request with its own nginx under
#                callgrind (bench/bench.py, not NGINX_BIN): a budget, not a
#                memory check; with an ASan module it cannot run at all.
#   t/85-reload-under-load.t  part 2 asserts that VmRSS stays flat over 500
#                reloads, which ASan's quarantine and shadow memory and
#                valgrind's own heap make meaningless; under valgrind its 600
#                reloads of up to 1,000 issuers would take hours. Reloads run
#                under both tools in t/40-reload.t and the other files.
T_EXCLUDE   := t/85-reload-under-load.t t/90-cost.t
T_FILES      = $(filter-out $(T_EXCLUDE),$(wildcard t/*.t))
# Parallel compile jobs for the builds (the tests themselves run one by one).
HARDEN_JOBS ?= 2
# Each t/ run keeps every nginx prefix (KEEP=1) in its own directory,
# /tmp/wellknown-{asan,valgrind}-XXXXXX (under /tmp: workers run as nobody
# and must reach it), scans their logs, and removes it if all is well.

.PHONY: test-asan asan-unit asan-t asan-module test-valgrind valgrind-t fuzz fuzz-build

# Configured copies of the nginx tree, as $(NGX_TREE), one per variant:
# build/asan with the sanitizer flags on the module's objects and link,
# build/valgrind with the default flags (the module as shipped). nginx itself
# stays Debian's binary: NGX_DEBUG_PALLOC changes only nginx's own
# ngx_palloc.c, so it cannot apply to a module loaded into /usr/sbin/nginx.
VARIANT_FLAGS_asan     := $(SAN_FLAGS)
VARIANT_FLAGS_valgrind :=
VARIANT_TREES   := $(BUILD)/asan/nginx-$(NGX_VER) $(BUILD)/valgrind/nginx-$(NGX_VER)
VARIANT_MODULES := $(BUILD)/asan/ngx_http_wellknown_module.so $(BUILD)/valgrind/ngx_http_wellknown_module.so

$(VARIANT_TREES:%=%/objs/Makefile): $(BUILD)/%/nginx-$(NGX_VER)/objs/Makefile: config
	@test -n "$(NGX_VER)" || { echo "NGINX_SRC=$(NGINX_SRC) is not an nginx source tree (no src/core/nginx.h)"; exit 1; }
	rm -rf $(BUILD)/$*/nginx-$(NGX_VER) && mkdir -p $(BUILD)/$* && cp -r $(NGINX_SRC) $(BUILD)/$*/nginx-$(NGX_VER)
	cd $(BUILD)/$*/nginx-$(NGX_VER) && if [ -f conf_flags ]; then . ./conf_flags; else NGX_CONF_FLAGS=(--with-compat); fi && \
	  ./configure "$${NGX_CONF_FLAGS[@]}" $(NGX_CONFIGURE_ARGS) --add-dynamic-module=$(CURDIR) >configure.log
	printf '\nobjs/addon/core/%%.o objs/addon/ngx/%%.o: CFLAGS += -std=c++17 $(WARN) -fvisibility=hidden\n' >> $@
	printf 'objs/addon/core/%%.o objs/addon/ngx/%%.o objs/ngx_http_wellknown_module_modules.o: CFLAGS += $(VARIANT_FLAGS_$*)\n' >> $@
	printf 'objs/ngx_http_wellknown_module.so: LINK += $(VARIANT_FLAGS_$*)\n' >> $@

# nginx's own Makefile tracks the sources.
.PHONY: $(VARIANT_MODULES)
$(VARIANT_MODULES): $(BUILD)/%/ngx_http_wellknown_module.so: $(BUILD)/%/nginx-$(NGX_VER)/objs/Makefile
	$(MAKE) -s -C $(BUILD)/$*/nginx-$(NGX_VER) -f objs/Makefile modules
	cp $(BUILD)/$*/nginx-$(NGX_VER)/objs/ngx_http_wellknown_module.so $@

asan-module: $(ASAN_MODULE)

ASAN_UNIT_OBJS := $(patsubst %.cpp,$(ASAN_DIR)/obj/%.o,$(CORE_SRCS) $(UNIT_SRCS))

$(ASAN_DIR)/obj/%.o: %.cpp $(CORE_HDRS) $(wildcard test/unit/*.hpp)
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 $(WARN) -g -O1 $(SAN_FLAGS) -Isrc -c $< -o $@

$(ASAN_UNIT): $(ASAN_UNIT_OBJS)
	$(CXX) $(SAN_FLAGS) $^ -o $@ -lgtest -lgtest_main -lpthread -lssl -lcrypto -lz

asan-unit: $(ASAN_UNIT)
	ASAN_OPTIONS=$(UNIT_ASAN_OPTIONS) UBSAN_OPTIONS=$(UNIT_UBSAN_OPTIONS) $(ASAN_UNIT)

# prove's exit status, then every log of every nginx the suite started.
asan-t: asan-module interop-deps
	@dir=$$(mktemp -d /tmp/wellknown-asan-XXXXXX) || exit 1; chmod 1777 $$dir; echo "nginx prefixes in $$dir"; \
	  TMPDIR=$$dir KEEP=1 NGINX_BIN=$(CURDIR)/$(SANITIZE)/nginx-asan \
	  MODULE=$(CURDIR)/$(ASAN_MODULE) prove $(T_FILES); rc=$$?; \
	  $(SANITIZE)/scan-logs asan $$dir || rc=1; \
	  if [ $$rc = 0 ]; then rm -rf $$dir; fi; exit $$rc

test-asan: deps
	$(MAKE) -j$(HARDEN_JOBS) asan-unit
	$(MAKE) -j$(HARDEN_JOBS) asan-t

# ---------------------------------------------------------------- valgrind

VALGRIND_MODULE := $(BUILD)/valgrind/ngx_http_wellknown_module.so
# The harness's waits (nginx listening, reload, stop, reads) are multiplied by
# this under valgrind, where nginx starts and reloads many times slower.
VALGRIND_TIME_SCALE ?= 10

valgrind-t: $(VALGRIND_MODULE) interop-deps
	@dir=$$(mktemp -d /tmp/wellknown-valgrind-XXXXXX) || exit 1; chmod 1777 $$dir; echo "nginx prefixes in $$dir"; \
	  TMPDIR=$$dir KEEP=1 WELLKNOWN_TIME_SCALE=$(VALGRIND_TIME_SCALE) \
	  NGINX_BIN=$(CURDIR)/$(SANITIZE)/nginx-valgrind MODULE=$(CURDIR)/$(VALGRIND_MODULE) \
	  prove $(T_FILES); rc=$$?; \
	  $(SANITIZE)/scan-logs valgrind $$dir || rc=1; \
	  if [ $$rc = 0 ]; then rm -rf $$dir; fi; exit $$rc

test-valgrind: deps
	$(MAKE) -j$(HARDEN_JOBS) valgrind-t

# ---------------------------------------------------------------- fuzzing

# One libFuzzer target per fuzz/*.cpp; seeds in fuzz/corpus/TARGET/ (read
# only: what a run finds goes to build/fuzz/corpus/TARGET/), an optional
# dictionary fuzz/TARGET.dict. FUZZ_JOBS targets run at a time.
FUZZ_CXX       ?= clang++
FUZZ_SECONDS   ?= 60
FUZZ_JOBS      ?= 2
FUZZ_DIR       := $(BUILD)/fuzz
FUZZ_FLAGS     := -std=c++17 $(WARN) -g -O1 -fno-omit-frame-pointer \
                  -fsanitize=address,undefined -fno-sanitize-recover=all -Isrc
FUZZ_TARGETS   := $(basename $(notdir $(wildcard fuzz/*.cpp)))
FUZZ_BINS      := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)
FUZZ_CORE_OBJS := $(CORE_SRCS:src/core/%.cpp=$(FUZZ_DIR)/core/%.o)

$(FUZZ_DIR)/core/%.o: src/core/%.cpp $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BINS): $(FUZZ_DIR)/%: fuzz/%.cpp fuzz/fuzz.hpp $(FUZZ_CORE_OBJS)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer $< $(FUZZ_CORE_OBJS) -o $@ -lssl -lcrypto -lz

fuzz-build: $(FUZZ_BINS)

# Each target for FUZZ_SECONDS; a crash, leak, timeout (-timeout=10 s per
# input) or sanitizer report fails it, leaving the input in
# build/fuzz/artifacts/ and the log in build/fuzz/logs/TARGET.log. Leaks are
# checked after every input (libFuzzer's -detect_leaks); the exit-time check
# is off: it would only see the core's process-lifetime caches, which
# make asan-unit checks.
.PHONY: $(FUZZ_TARGETS:%=fuzz-run-%)
$(FUZZ_TARGETS:%=fuzz-run-%): fuzz-run-%: $(FUZZ_DIR)/%
	@mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/artifacts $(FUZZ_DIR)/logs
	@if ASAN_OPTIONS=leak_check_at_exit=0$${ASAN_OPTIONS:+:$$ASAN_OPTIONS} $(FUZZ_DIR)/$* -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	    $(if $(wildcard fuzz/$*.dict),-dict=fuzz/$*.dict) -artifact_prefix=$(FUZZ_DIR)/artifacts/$*- \
	    $(FUZZ_DIR)/corpus/$* fuzz/corpus/$* >$(FUZZ_DIR)/logs/$*.log 2>&1; then \
	  echo "fuzz $*: $$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/logs/$*.log) executions in $(FUZZ_SECONDS) s, corpus $$(ls $(FUZZ_DIR)/corpus/$* | wc -l) new + $$(ls fuzz/corpus/$* | wc -l) seeds"; \
	else \
	  echo "fuzz $*: FAILED (build/fuzz/logs/$*.log)"; grep -A40 -m1 'ERROR\|FINDING\|deadly signal\|runtime error' $(FUZZ_DIR)/logs/$*.log; exit 1; \
	fi

fuzz: deps
	$(MAKE) -j$(HARDEN_JOBS) fuzz-build
	$(MAKE) -j$(FUZZ_JOBS) -k $(FUZZ_TARGETS:%=fuzz-run-%)
