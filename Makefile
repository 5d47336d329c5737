# nginx-wellknown. `make` builds build/ngx_http_wellknown_module.so against
# NGINX_SRC (Debian's nginx-dev tree by default); `make test` runs every test;
# `make demo` starts a demo on 127.0.0.1:$(PORT).
SHELL := /bin/bash

NGINX_SRC ?= /usr/share/nginx/src
NGINX_BIN ?= /usr/sbin/nginx
PORT      ?= 8080
BUILD     := build
# One configured copy per nginx version, so switching NGINX_SRC reconfigures.
NGX_VER   := $(shell sed -n 's/^\#define NGINX_VERSION *"\(.*\)"/\1/p' $(NGINX_SRC)/src/core/nginx.h 2>/dev/null)
NGX_TREE  := $(BUILD)/nginx-$(NGX_VER)
MODULE    := $(BUILD)/ngx_http_wellknown_module.so

CXX       ?= g++
WARN      := -Wall -Wextra -Werror
CORE_SRCS := $(wildcard src/core/*.cpp)
CORE_HDRS := $(wildcard src/core/*.hpp)
NGX_SRCS  := $(wildcard src/ngx/*.cpp)
UNIT_SRCS := $(wildcard test/unit/*.cpp)
UNIT_BIN  := $(BUILD)/unit-tests

# Debian packages the build, the tests and the demo need. Node.js and npm
# are checked as commands: a machine may carry a Node.js that bundles npm.
APT_PACKAGES := nginx nginx-dev libssl-dev zlib1g-dev nlohmann-json3-dev libgtest-dev g++ make \
                perl python3-jwt python3-jwcrypto python3-cryptography openssl curl valgrind

.PHONY: all module $(MODULE) deps test unit t interop-deps demo demo-stop clean

all: module

# Installs missing Debian packages (root on a fresh machine); no-op when all
# are present.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Configure a private copy of the nginx tree once. Debian's tree carries its
# configure flags in conf_flags, so the module's signature matches
# /usr/sbin/nginx; any other tree gets --with-compat, as nginx.org's packages.
$(NGX_TREE)/objs/Makefile: config
	@test -n "$(NGX_VER)" || { echo "NGINX_SRC=$(NGINX_SRC) is not an nginx source tree (no src/core/nginx.h)"; exit 1; }
	rm -rf $(NGX_TREE) && mkdir -p $(BUILD) && cp -r $(NGINX_SRC) $(NGX_TREE)
	cd $(NGX_TREE) && if [ -f conf_flags ]; then . ./conf_flags; else NGX_CONF_FLAGS=(--with-compat); fi && \
	  ./configure "$${NGX_CONF_FLAGS[@]}" $(NGX_CONFIGURE_ARGS) --add-dynamic-module=$(CURDIR) >configure.log
	# nginx compiles addon sources with its C flags; give ours C++17, the
	# project's warnings, and hidden visibility (nginx only looks up the
	# three ngx_module* tables, which live in the generated C file).
	printf '\nobjs/addon/core/%%.o objs/addon/ngx/%%.o: CFLAGS += -std=c++17 $(WARN) -fvisibility=hidden\n' >> $(NGX_TREE)/objs/Makefile

# nginx's own Makefile tracks the sources; the copy always reflects the
# tree of the NGINX_SRC given on this run.
module $(MODULE): $(NGX_TREE)/objs/Makefile
	$(MAKE) -s -C $(NGX_TREE) -f objs/Makefile modules
	cp $(NGX_TREE)/objs/ngx_http_wellknown_module.so $(MODULE)

# ---------------------------------------------------------------- tests

$(UNIT_BIN): $(CORE_SRCS) $(CORE_HDRS) $(UNIT_SRCS)
	@mkdir -p $(BUILD)
	$(CXX) -std=c++17 $(WARN) -g -O1 -Isrc $(CORE_SRCS) $(UNIT_SRCS) -o $@ \
	  -lgtest -lgtest_main -lpthread -lssl -lcrypto -lz

unit: $(UNIT_BIN)
	$(UNIT_BIN)

interop-deps:
	cd t/interop && npm ci --no-audit --no-fund --silent

t: module interop-deps
	NGINX_BIN=$(NGINX_BIN) MODULE=$(CURDIR)/$(MODULE) prove -r t/

test: deps
	$(MAKE) unit
	$(MAKE) t

# Sanitizers, valgrind and fuzzing: test-asan, test-valgrind, fuzz.
include mk/hardening.mk
include mk/debian.mk

# ---------------------------------------------------------------- bench

# Request-path cost (issue 4): callgrind instructions per request and wrk
# req/s, module vs nginx's `return` of the same bytes and vs a static file;
# table in build/bench/results.txt (+ .json, profiles.txt). Options go in
# BENCH_ARGS, e.g. BENCH_ARGS="--no-wrk", "--tenants 1000", "--scale" (also
# runs bench/scale.sh); see bench/bench.sh. valgrind and wrk are installed
# with apt-get only when missing.
BENCH_ARGS ?=

bench-deps:
	@missing=$$(for p in valgrind wrk; do command -v $$p >/dev/null || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

bench: deps bench-deps module
	NGINX_BIN=$(NGINX_BIN) MODULE=$(CURDIR)/$(MODULE) bench/bench.sh $(BENCH_ARGS)

.PHONY: bench bench-deps

# ---------------------------------------------------------------- demo

DEMO := $(BUILD)/demo

demo: deps module
	@PORT=$(PORT) NGINX_BIN=$(NGINX_BIN) MODULE=$(CURDIR)/$(MODULE) DEMO=$(CURDIR)/$(DEMO) \
	  bash conf-examples/demo.sh start

demo-stop:
	@NGINX_BIN=$(NGINX_BIN) DEMO=$(CURDIR)/$(DEMO) bash conf-examples/demo.sh stop

clean:
	rm -rf $(BUILD)
