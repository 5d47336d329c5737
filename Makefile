# nginx-wellknown: ngx_http_wellknown_module, an nginx dynamic module.
# `make help` lists the targets.
#
# Builds come in variants (VARIANT=release, asan, valgrind, fuzz). Each
# mk/variant-NAME.mk only sets flags; the recipes below are written once:
#   - the module: a private copy of NGINX_SRC, configured with the module and
#     built with nginx's own Makefile, under build/VARIANT/nginx/;
#   - the core (src/core/*.cpp) compiled by us, for the unit tests and the
#     fuzzers, under build/VARIANT/obj/.
# `make test-asan` is `make test VARIANT=asan`, and so on.
#
# Nothing here reads an installed package when make parses this file: the
# nginx tree is looked at by recipes only, after `deps` has run (targets that
# install packages run deps, then the rest in a second make).
SHELL         := /bin/bash
.DEFAULT_GOAL := all

NAME      := ngx_http_wellknown_module
VERSION   := $(shell sed -n 's/.*NGX_HTTP_WELLKNOWN_VERSION *"\(.*\)".*/\1/p' src/version.hpp)

NGINX_SRC ?= /usr/share/nginx/src
NGINX_BIN ?= /usr/sbin/nginx
NGX_CONFIGURE_ARGS ?=
VARIANT   ?= release
PORT      ?= 8080
# Parallel compile jobs (the tests run one by one).
JOBS      ?= 2
BUILD     := build

WARN      := -Wall -Wextra -Werror
CORE_SRCS := $(wildcard src/core/*.cpp)
UNIT_SRCS := $(wildcard test/unit/*.cpp)
FUZZ_SRCS := $(wildcard fuzz/*.cpp)
# nginx puts an addon's objects in objs/addon/<last directory of the source>/.
ADDON_OBJS := $(sort $(foreach d,$(dir $(wildcard src/*/*.cpp)),objs/addon/$(notdir $(d:/=))/%.o))

# Debian packages for the build, the tests and the demo; a variant adds its
# own (VARIANT_PACKAGES). Node.js and npm are checked as commands: a machine
# may carry a Node.js that bundles npm.
PACKAGES  := nginx nginx-dev libssl-dev zlib1g-dev nlohmann-json3-dev libgtest-dev g++ make \
             perl python3-jwt python3-jwcrypto python3-cryptography openssl curl valgrind faketime

# ------------------------------------------------------------ variants

# What a variant file may set (defaults here):
VARIANT_DIR      = $(BUILD)/$(VARIANT)
MODULE           = $(VARIANT_DIR)/$(NAME).so
MODULE_FLAGS    :=
CORE_CXX        := $(CXX)
CORE_FLAGS      := -g -O1
LINK_FLAGS      :=
FUZZ_LDFLAGS    :=
VARIANT_PACKAGES :=
# The signer's command-line tool (wellknown-jwk), on the core's objects.
TOOL             = $(VARIANT_DIR)/wellknown-jwk
VARIANT_BUILDS   = $(MODULE) $(UNIT_BIN) $(TOOL)
VARIANT_TESTS   := unit t
UNIT_ENV        :=
T_NGINX          = $(NGINX_BIN)
T_ENV           :=
T_RUN           :=
T_EXCLUDE       :=

VARIANTS := $(patsubst mk/variant-%.mk,%,$(wildcard mk/variant-*.mk))
ifeq ($(filter $(VARIANT),$(VARIANTS)),)
$(error VARIANT=$(VARIANT) is not one of: $(VARIANTS))
endif
include mk/variant-$(VARIANT).mk

TREE      = $(VARIANT_DIR)/nginx
UNIT_BIN  = $(VARIANT_DIR)/unit-tests
CORE_OBJS = $(CORE_SRCS:%.cpp=$(VARIANT_DIR)/obj/%.o)
UNIT_OBJS = $(UNIT_SRCS:%.cpp=$(VARIANT_DIR)/obj/%.o)
FUZZ_TARGETS := $(basename $(notdir $(FUZZ_SRCS)))
FUZZ_BINS = $(FUZZ_TARGETS:%=$(VARIANT_DIR)/%)
# One file or several: make t TESTS=t/10-http.t
TESTS    ?= $(filter-out $(T_EXCLUDE),$(wildcard t/*.t))

empty :=
space := $(empty) $(empty)
shq = '$(subst ','\'',$(1))'
# $(call write-if-changed,FILE,TEXT): FILE keeps its date unless TEXT
# differs, so what depends on it is rebuilt only when TEXT changes.
write-if-changed = printf '%s\n' $(call shq,$(2)) >$(1).new && \
	if cmp -s $(1).new $(1); then rm $(1).new; else mv $(1).new $(1); fi

.PHONY: all module tool build unit t test test-asan test-valgrind fuzz fuzz-run deps interop-deps \
        bench bench-deps demo demo-start demo-stop clean help FORCE

all: module tool ## (default) build/ngx_http_wellknown_module.so against NGINX_SRC, and build/wellknown-jwk

# ------------------------------------------------------------ the module

# What the configured tree was made from. The recipe runs on every make and
# rewrites the file only when something changed: another tree or version,
# other Debian flags, NGX_CONFIGURE_ARGS, the variant's flags or CC.
$(VARIANT_DIR)/nginx.key: FORCE
	@test -f $(NGINX_SRC)/src/core/nginx.h || \
	  { echo "NGINX_SRC=$(NGINX_SRC) is not an nginx source tree (no src/core/nginx.h); run make deps, or see README"; exit 1; }
	@mkdir -p $(@D) && { \
	  echo "tree $(abspath $(NGINX_SRC))"; \
	  sed -n 's/^.define NGINX_VERSION *"\(.*\)".*/version \1/p' $(NGINX_SRC)/src/core/nginx.h; \
	  cat $(NGINX_SRC)/conf_flags 2>/dev/null; \
	  echo $(call shq,args $(NGX_CONFIGURE_ARGS)); \
	  echo $(call shq,flags $(MODULE_FLAGS)); \
	  echo $(call shq,cc $(CC)); \
	} >$@.new && if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# A private copy of the tree, configured with the module. Debian's tree
# carries its configure flags in conf_flags, so the module's signature
# matches /usr/sbin/nginx; any other tree gets --with-compat, as nginx.org's
# packages. A release tarball (and Debian's tree) has ./configure, a git
# checkout auto/configure; both run from the tree's root.
$(TREE)/objs/Makefile: $(VARIANT_DIR)/nginx.key config
	@echo "configuring $$(sed -n 's/^version /nginx /p' $<) from $(NGINX_SRC) in $(TREE)"
	rm -rf $(TREE) && mkdir -p $(TREE)
	tar -C $(NGINX_SRC) --exclude=./.git --exclude=./objs -cf - . | tar -C $(TREE) -xf -
	cd $(TREE) && if [ -f conf_flags ]; then . ./conf_flags; else NGX_CONF_FLAGS=(--with-compat); fi && \
	  if [ -f configure ]; then configure=./configure; else configure=auto/configure; fi && \
	  $$configure "$${NGX_CONF_FLAGS[@]}" $(NGX_CONFIGURE_ARGS) --add-dynamic-module=$(CURDIR) >configure.log 2>&1 || \
	  { tail -20 configure.log; echo "configure failed: $(TREE)/configure.log"; exit 1; }
	# nginx compiles addon sources with its C flags: ours get C++17, the
	# project's warnings and hidden visibility (nginx looks up only the three
	# ngx_module* tables, in the generated C file), and the variant's flags.
	printf '\n%s: CFLAGS += %s\n' '$(ADDON_OBJS)' '-std=c++17 $(WARN) -fvisibility=hidden $(MODULE_FLAGS)' >>$@
	printf '%s: CFLAGS += %s\n' 'objs/$(NAME)_modules.o' '$(MODULE_FLAGS)' >>$@
	printf '%s: LINK += %s\n' 'objs/$(NAME).so' '$(MODULE_FLAGS)' >>$@

# nginx's Makefile tracks the sources (the `config` file lists them); the
# copy keeps its date when the module did not change.
module: $(MODULE) ## build the module (VARIANT's flags) against NGINX_SRC
$(MODULE): $(TREE)/objs/Makefile FORCE
	$(MAKE) -s -C $(TREE) -f objs/Makefile modules
	@cmp -s $(TREE)/objs/$(NAME).so $@ || cp $(TREE)/objs/$(NAME).so $@

# ------------------------------------------------------------ the core

$(VARIANT_DIR)/core.key: FORCE
	@mkdir -p $(@D) && $(call write-if-changed,$@,$(CORE_CXX) $(CORE_FLAGS) $(LINK_FLAGS))

$(VARIANT_DIR)/obj/%.o: %.cpp $(VARIANT_DIR)/core.key
	@mkdir -p $(@D)
	$(CORE_CXX) -std=c++17 $(WARN) $(CORE_FLAGS) -Isrc -MMD -MP -c $< -o $@

-include $(wildcard $(VARIANT_DIR)/obj/*/*.d $(VARIANT_DIR)/obj/*/*/*.d)

$(UNIT_BIN): $(CORE_OBJS) $(UNIT_OBJS)
	$(CORE_CXX) $(CORE_FLAGS) $(LINK_FLAGS) $^ -o $@ -lgtest -lgtest_main -lpthread -lssl -lcrypto -lz

tool: $(TOOL) ## build wellknown-jwk, which prints the JWK and kid the module publishes for a key file
$(TOOL): $(VARIANT_DIR)/obj/tools/wellknown-jwk.o $(CORE_OBJS)
	$(CORE_CXX) $(CORE_FLAGS) $(LINK_FLAGS) $^ -o $@ -lssl -lcrypto -lz

ifneq ($(FUZZ_LDFLAGS),)
$(FUZZ_BINS): $(VARIANT_DIR)/%: $(VARIANT_DIR)/obj/fuzz/%.o $(CORE_OBJS)
	$(CORE_CXX) $(CORE_FLAGS) $(FUZZ_LDFLAGS) $^ -o $@ -lssl -lcrypto -lz
endif

build: $(VARIANT_BUILDS) ## build what VARIANT's tests need (module, unit tests, fuzzers)

# ------------------------------------------------------------ tests

unit: $(UNIT_BIN) ## the core's GoogleTest suite
	$(UNIT_ENV) $(UNIT_BIN)

INTEROP := t/interop/node_modules/.package-lock.json
$(INTEROP): t/interop/package.json t/interop/package-lock.json
	cd t/interop && npm ci --no-audit --no-fund --silent
	@touch $@
interop-deps: $(INTEROP)

t: $(MODULE) $(TOOL) $(INTEROP) ## prove t/ against NGINX_BIN with the module (one file: TESTS=t/10-http.t)
	$(T_ENV) NGINX_BIN=$(T_NGINX) MODULE=$(abspath $(MODULE)) WELLKNOWN_JWK=$(abspath $(TOOL)) $(T_RUN) prove $(TESTS)

test: ## make deps, then VARIANT's tests (release: unit and t, the README's test command)
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory -j$(JOBS) build
	@$(MAKE) --no-print-directory $(VARIANT_TESTS)

test-asan: ## unit and t/ with ASan and UBSan (make test VARIANT=asan)
test-valgrind: ## t/ with nginx under valgrind memcheck (make test VARIANT=valgrind)
fuzz: ## each libFuzzer target in fuzz/ for FUZZ_SECONDS (make test VARIANT=fuzz)
test-asan test-valgrind fuzz:
	@$(MAKE) --no-print-directory test VARIANT=$(patsubst test-%,%,$@)

# Each target for FUZZ_SECONDS, FUZZ_JOBS at a time, from its seed corpus in
# fuzz/corpus/TARGET/ (read only: what a run finds goes to
# build/fuzz/corpus/TARGET/) with the dictionary fuzz/TARGET.dict if there is
# one. A crash, leak, timeout (-timeout=10 s per input) or sanitizer report
# fails it, leaving the input in build/fuzz/artifacts/ and the log in
# build/fuzz/logs/TARGET.log. Leaks are checked after every input
# (libFuzzer's -detect_leaks); the exit-time check is off: it would only see
# the core's process-lifetime caches, which the asan unit tests check.
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 2
FUZZ_RUNS    := $(FUZZ_TARGETS:%=fuzz-run-%)
.PHONY: $(FUZZ_RUNS)

fuzz-run: $(FUZZ_BINS)
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) -k $(FUZZ_RUNS)

$(FUZZ_RUNS): fuzz-run-%: $(VARIANT_DIR)/%
	@d=$(VARIANT_DIR); mkdir -p $$d/corpus/$* $$d/artifacts $$d/logs; \
	if ASAN_OPTIONS=leak_check_at_exit=0$${ASAN_OPTIONS:+:$$ASAN_OPTIONS} $$d/$* -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=10 -print_final_stats=1 $(if $(wildcard fuzz/$*.dict),-dict=fuzz/$*.dict) \
	    -artifact_prefix=$$d/artifacts/$*- $$d/corpus/$* $(wildcard fuzz/corpus/$*) >$$d/logs/$*.log 2>&1; then \
	  echo "fuzz $*: $$(sed -n 's/^stat::number_of_executed_units: *//p' $$d/logs/$*.log) executions in $(FUZZ_SECONDS) s," \
	    "corpus $$(ls $$d/corpus/$* | wc -l) new + $$(ls fuzz/corpus/$* 2>/dev/null | wc -l) corpus files"; \
	else \
	  echo "fuzz $*: FAILED ($$d/logs/$*.log)"; \
	  grep -A40 -m1 'ERROR\|FINDING\|deadly signal\|runtime error' $$d/logs/$*.log; exit 1; \
	fi

# ------------------------------------------------------------ packages

# Installs the missing Debian packages (root; a no-op when all are present).
deps: ## install the Debian packages the build and tests need (VARIANT=fuzz adds clang)
	@missing=$$(for p in $(PACKAGES) $(VARIANT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# ------------------------------------------------------------ bench, demo

# Request-path cost: callgrind instructions per request and wrk req/s, module
# vs nginx's `return` of the same bytes and vs a static file; table in
# build/bench/results.txt (+ .json, profiles.txt). Options in BENCH_ARGS,
# e.g. "--no-wrk", "--tenants 1000", "--scale" (also runs bench/scale.sh);
# see bench/bench.sh.
BENCH_ARGS ?=

bench: ## request cost vs nginx's return (BENCH_ARGS), results in build/bench/
	@$(MAKE) --no-print-directory deps VARIANT=release VARIANT_PACKAGES=wrk
	@$(MAKE) --no-print-directory -j$(JOBS) module VARIANT=release
	NGINX_BIN=$(NGINX_BIN) MODULE=$(CURDIR)/$(BUILD)/$(NAME).so bench/bench.sh $(BENCH_ARGS)

bench-deps:
	@$(MAKE) --no-print-directory deps VARIANT=release VARIANT_PACKAGES=wrk

DEMO := $(BUILD)/demo

demo: ## make deps, build, start the demo on 127.0.0.1:PORT (default 8080)
	@$(MAKE) --no-print-directory deps VARIANT=release
	@$(MAKE) --no-print-directory -j$(JOBS) demo-start VARIANT=release

demo-start: $(MODULE)
	@PORT=$(PORT) NGINX_BIN=$(NGINX_BIN) MODULE=$(CURDIR)/$(MODULE) DEMO=$(CURDIR)/$(DEMO) \
	  bash conf-examples/demo.sh start

demo-stop: ## stop the demo
	@NGINX_BIN=$(NGINX_BIN) DEMO=$(CURDIR)/$(DEMO) bash conf-examples/demo.sh stop

clean: ## remove build/ (every variant)
	rm -rf $(BUILD)

help: ## this list
	@echo "nginx-wellknown $(VERSION): make TARGET [VARIANT=$(subst $(space),|,$(VARIANTS))] [NGINX_SRC=...] [NGINX_BIN=...]"
	@awk -F ':[^#]*## ' '/^[a-z][a-z-]*:.*## / { printf "  %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

include mk/install.mk
# Debian packaging targets, when present.
-include mk/debian.mk
