# `make deb`: the Debian package libnginx-mod-http-wellknown, built the way
# Debian builds its own nginx modules (debian/: dh with nginx-dev's nginx_mod
# build system and dh_nginx), out of tree in build/deb/, then checked with
# lintian (an error fails the build). The package depends on the exact nginx
# ABI it was built against (nginx-abi-1.22.1-7 on bookworm); its debug
# symbols go to the -dbgsym package beside it. Rebuilt only when a file it is
# built from changes; t/95-debian-package.t installs and purges it.
#
# The upstream version is NGX_HTTP_WELLKNOWN_VERSION in src/version.hpp, the
# Debian revision debian/changelog's; a version that debian/changelog does
# not name yet stops the build: add an entry first (dch -v VERSION-1).

DEB_DIR      := $(BUILD)/deb
DEB_PACKAGE  := libnginx-mod-http-wellknown
# What the package is built from; nothing else is copied.
DEB_SOURCES  := config src tools debian conf-examples README.md SECURITY.md $(wildcard LICENSE CHANGES)
DEB_STAMP    := $(DEB_DIR)/built
# Build-Depends of debian/control, and the tools that build and check.
DEB_BUILD_PACKAGES := debhelper dpkg-dev fakeroot lintian nginx-dev g++ make \
                      libssl-dev zlib1g-dev nlohmann-json3-dev

.PHONY: deb deb-deps

deb: $(DEB_STAMP)

deb-deps:
	@missing=$$(for p in $(DEB_BUILD_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(DEB_STAMP): $(shell find $(DEB_SOURCES) -type f 2>/dev/null) mk/debian.mk | deb-deps
	@upstream=$$(sed -n 's/^#define NGX_HTTP_WELLKNOWN_VERSION *"\(.*\)"/\1/p' src/version.hpp); \
	version=$$(dpkg-parsechangelog -S Version); \
	test -n "$$upstream" || { echo "no NGX_HTTP_WELLKNOWN_VERSION in src/version.hpp"; exit 1; }; \
	case "$$version" in "$$upstream"-*) ;; *) echo "debian/changelog is at $$version," \
	  "src/version.hpp at $$upstream: add a changelog entry (dch -v $$upstream-1)"; exit 1;; esac; \
	set -x; \
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/$(DEB_PACKAGE)-$$upstream && \
	cp -r $(DEB_SOURCES) $(DEB_DIR)/$(DEB_PACKAGE)-$$upstream/ && \
	(cd $(DEB_DIR)/$(DEB_PACKAGE)-$$upstream && \
	  DEB_BUILD_OPTIONS="parallel=$$(nproc) $$DEB_BUILD_OPTIONS" dpkg-buildpackage -b -us -uc) && \
	lintian --fail-on error $(DEB_DIR)/$(DEB_PACKAGE)_$${version}_$$(dpkg --print-architecture).changes && \
	ls $(DEB_DIR)/*.deb > $@
