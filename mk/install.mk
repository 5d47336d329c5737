# make install / make uninstall, included by the Makefile.
#
# install copies the release module, stripped, into the modules directory of
# the nginx at NGINX_BIN (its --modules-path, else its --prefix + /modules),
# and, where nginx has Debian's layout (/etc/nginx/modules-enabled), the
# snippet mod-http-wellknown.conf into /usr/share/nginx/modules-available/,
# as Debian's libnginx-mod-* packages do. It never creates, changes or
# removes anything in modules-enabled: enabling the module is the operator's
# choice, and install prints how. It also installs wellknown-jwk, stripped,
# into BINDIR and its man page into MANDIR/man1.
#
#   DESTDIR                staging root, prefixed to every installed path
#   MODULES_DIR            where the .so goes (default: from nginx -V)
#   MODULES_AVAILABLE_DIR  where the snippet goes; empty: no snippet
#   MODULES_ENABLED_DIR    only read, to tell whether the module is enabled
#   PREFIX                 for the tool: BINDIR=PREFIX/bin, MANDIR=PREFIX/share/man
#                          (default /usr/local)
#
# nginx -V is read when these targets run, never when make parses this file.
MODULES_DIR           ?=
MODULES_ENABLED_DIR   ?= /etc/nginx/modules-enabled
MODULES_AVAILABLE_DIR ?= $(if $(wildcard $(MODULES_ENABLED_DIR)/.),/usr/share/nginx/modules-available)
SNIPPET               := mod-http-wellknown.conf
STRIP                 ?= strip
INSTALLED_MODULE      := $(BUILD)/$(NAME).so
PREFIX                ?= /usr/local
BINDIR                ?= $(PREFIX)/bin
MANDIR                ?= $(PREFIX)/share/man
INSTALLED_TOOL        := $(BUILD)/wellknown-jwk
TOOL_MAN              := tools/wellknown-jwk.1

# The modules directory: MODULES_DIR, else the installed nginx's.
installed-modules-dir = dir='$(MODULES_DIR)'; \
	if [ -z "$$dir" ]; then \
	  [ -x '$(NGINX_BIN)' ] || { echo "no nginx at NGINX_BIN=$(NGINX_BIN): give NGINX_BIN or MODULES_DIR"; exit 1; }; \
	  v=$$('$(NGINX_BIN)' -V 2>&1); \
	  dir=$$(sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p' <<<"$$v"); \
	  prefix=$$(sed -n 's/.*--prefix=\([^ ]*\).*/\1/p' <<<"$$v"); \
	  [ -n "$$dir" ] || dir=$${prefix:-/usr/local/nginx}/modules; \
	fi

.PHONY: install uninstall

install: ## install the module into nginx's modules directory (DESTDIR, MODULES_DIR)
	@$(MAKE) --no-print-directory module tool VARIANT=release
	@$(installed-modules-dir); \
	built=$$(sed -n 's/^version //p' $(BUILD)/release/nginx.key); \
	if [ -z '$(MODULES_DIR)' ]; then \
	  running=$$('$(NGINX_BIN)' -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p'); \
	  [ "$$built" = "$$running" ] || { echo "the module was built against nginx $$built, $(NGINX_BIN) is $$running:" \
	    "give NGINX_SRC (the tree of $(NGINX_BIN)) or MODULES_DIR"; exit 1; }; \
	fi; \
	install -d '$(DESTDIR)'"$$dir" && \
	install -m 0644 $(INSTALLED_MODULE) '$(DESTDIR)'"$$dir/$(NAME).so" && \
	$(STRIP) --strip-unneeded '$(DESTDIR)'"$$dir/$(NAME).so" && \
	echo "installed $(DESTDIR)$$dir/$(NAME).so (nginx-wellknown $(VERSION), for nginx $$built)" && \
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MANDIR)/man1' && \
	install -m 0755 $(INSTALLED_TOOL) '$(DESTDIR)$(BINDIR)/wellknown-jwk' && \
	$(STRIP) '$(DESTDIR)$(BINDIR)/wellknown-jwk' && \
	install -m 0644 $(TOOL_MAN) '$(DESTDIR)$(MANDIR)/man1/wellknown-jwk.1' && \
	echo "installed $(DESTDIR)$(BINDIR)/wellknown-jwk and $(DESTDIR)$(MANDIR)/man1/wellknown-jwk.1" || exit 1; \
	if [ -n '$(MODULES_AVAILABLE_DIR)' ]; then \
	  case $$dir in /usr/lib/nginx/modules) load=modules/$(NAME).so ;; *) load=$$dir/$(NAME).so ;; esac; \
	  install -d '$(DESTDIR)$(MODULES_AVAILABLE_DIR)' && \
	  echo "load_module $$load;" >'$(DESTDIR)$(MODULES_AVAILABLE_DIR)/$(SNIPPET)' && \
	  chmod 0644 '$(DESTDIR)$(MODULES_AVAILABLE_DIR)/$(SNIPPET)' && \
	  echo "installed $(DESTDIR)$(MODULES_AVAILABLE_DIR)/$(SNIPPET)"; \
	  if ls -l '$(DESTDIR)$(MODULES_ENABLED_DIR)'/ 2>/dev/null | grep -q '$(SNIPPET)'; then \
	    echo "enabled in $(DESTDIR)$(MODULES_ENABLED_DIR); reload nginx to load this build: nginx -t && nginx -s reload"; \
	  else \
	    echo "to enable it: ln -s $(MODULES_AVAILABLE_DIR)/$(SNIPPET) $(MODULES_ENABLED_DIR)/50-$(SNIPPET)"; \
	    echo "  then: nginx -t && nginx -s reload"; \
	  fi; \
	else \
	  echo "to enable it, at the top of nginx.conf: load_module $$dir/$(NAME).so;"; \
	  echo "  then: nginx -t && nginx -s reload"; \
	fi

# Refuses while modules-enabled still names the snippet: the link is the
# operator's, and a dangling one would stop nginx from starting.
uninstall: ## remove what install installed (same DESTDIR, MODULES_DIR)
	@$(installed-modules-dir); \
	if [ -n '$(MODULES_AVAILABLE_DIR)' ] && ls -l '$(DESTDIR)$(MODULES_ENABLED_DIR)'/ 2>/dev/null | grep -q '$(SNIPPET)'; then \
	  echo "the module is enabled: remove its link from $(DESTDIR)$(MODULES_ENABLED_DIR) first:"; \
	  ls -l '$(DESTDIR)$(MODULES_ENABLED_DIR)'/ | grep '$(SNIPPET)'; exit 1; \
	fi; \
	for f in '$(DESTDIR)'"$$dir/$(NAME).so" '$(DESTDIR)$(BINDIR)/wellknown-jwk' '$(DESTDIR)$(MANDIR)/man1/wellknown-jwk.1' $(if $(MODULES_AVAILABLE_DIR),'$(DESTDIR)$(MODULES_AVAILABLE_DIR)/$(SNIPPET)'); do \
	  if [ -e "$$f" ]; then rm -f "$$f" && echo "removed $$f"; fi; \
	done; \
	$(if $(MODULES_AVAILABLE_DIR),,echo "remove the load_module line for $(NAME).so from nginx.conf too")
