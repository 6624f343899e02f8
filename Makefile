# DropStream for Linux. The README's quick start names two commands: `make run` and `make test`.
# Each installs what it needs first (Debian packages through apt-get; sudo when not root).

SWIFT       ?= swift
# make test (swift build --build-tests) and make demo/run (swift build) share one debug build:
# SwiftPM 6.3 writes the same compile commands for both, except that it emits a dependency's
# trait defines (Hummingbird's -DFullFoundation -DConfigurationSupport) in Set order, which
# Swift's per-process hash seed shuffles; a flipped order recompiled Hummingbird and
# HummingbirdCore (104 files, ~18 s) and then HummingbirdTesting on about every other switch.
# Deterministic hashing in SwiftPM's own process fixes the order, so switching rebuilds nothing.
export SWIFT_DETERMINISTIC_HASHING := 1
BUILD_FLAGS ?=
# The debug bin path, asked of swift once and only when a recipe needs it (so `make install`
# of the release build never runs swift at all).
BIN          = $(eval BIN := $(shell $(SWIFT) build $(BUILD_FLAGS) --show-bin-path 2>/dev/null))$(BIN)
STATE       ?= $(CURDIR)/.state
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# dpkg-dev: dpkg-shlibdeps computes the .deb's Depends (make deb, and its test in make test).
# curl: make demo drives the sandbox's install pages and admin API with it (and its smoke test).
# systemd-container: systemd-nspawn, for check-systemd-host (the .deb on a booted systemd).
# postgresql: the throwaway server the behaviour suite runs the PostgreSQL engine against
# (scripts/with-postgres.sh; initdb/pg_ctl only, the package's own cluster is not used).
DEB_PACKAGES := libsystemd-dev pkg-config libsqlite3-dev python3 dpkg-dev curl systemd-container postgresql

# Installation (make install / make uninstall / make deb). Never run `make install` without
# DESTDIR on a development machine unless you mean it: it writes to $(PREFIX) and /etc.
PREFIX       ?= /usr
DESTDIR      ?=
SYSCONFDIR   ?= /etc
DIST         ?= $(CURDIR)/dist
# release (default): a static-stdlib release build in .build-release, so it never disturbs the
# debug build the tests use. debug: reuse the debug build (links the Swift runtime in /opt/swift).
BUILD_CONFIG ?= release
RELEASE_SCRATCH ?= $(CURDIR)/.build-release
RELEASE_FLAGS ?= -c release --static-swift-stdlib --scratch-path $(RELEASE_SCRATCH)
# SwiftPM's own `release` link in the scratch path (no `swift build --show-bin-path`, which
# would touch the build directory as root under `sudo make install`).
RELEASE_BIN   = $(RELEASE_SCRATCH)/release
INSTALL_BIN   = $(if $(filter debug,$(BUILD_CONFIG)),$(BIN),$(RELEASE_BIN))
# SKIP_BUILD=1: install what BIN holds as it is (the packaging test; make test just built it).
# Under sudo nothing is built either, so root never owns files in your build directory: run
# `make build-release` as yourself first, then `sudo make install`.
INSTALL_BUILD = $(if $(or $(SKIP_BUILD),$(SUDO_USER)),,$(if $(filter debug,$(BUILD_CONFIG)),build,build-release))
INSTALL_ENV   = BIN="$(INSTALL_BIN)" PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" SYSCONFDIR="$(SYSCONFDIR)"

.PHONY: all deps build build-release run demo check-demo test test-units check-units check-packaging check-systemd-host install uninstall deb clean

all: build

## deps: install the Debian packages the build and the tests need (idempotent).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

## run: build and start dropstreamd in the foreground with its state in ./.state (Ctrl-C stops it).
run: build
	@mkdir -p "$(STATE)"
	@echo "State directory: $(STATE). In another terminal: $(BIN)/dropstreamctl status"
	"$(BIN)/dropstreamd" --config "$(CURDIR)/etc/dropstream/dropstreamd.yaml" --state-directory "$(STATE)"

## demo: build, then a BigCommerce sandbox + dropstreamd in a temporary directory, the store
## connected through the real OAuth flow, new orders every few seconds; Ctrl-C stops it all.
## DEMO_DURATION=N stops it after N seconds.
demo: build
	@BIN="$(BIN)" scripts/demo.sh

## test: the whole suite (unit, SQLite and PostgreSQL engines, sandbox over loopback, spawned
## binaries) + unit-file checks. `swift test` runs under scripts/with-postgres.sh: a throwaway
## PostgreSQL (Unix socket only) that is removed afterwards, also when a test fails.
test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(MAKE) --no-print-directory check-units
	$(MAKE) --no-print-directory check-packaging
	$(MAKE) --no-print-directory check-systemd-host
	$(MAKE) --no-print-directory check-demo
	scripts/with-postgres.sh $(SWIFT) test --skip-build $(BUILD_FLAGS)

## check-units: systemd-analyze verify + security on the shipped unit files.
check-units:
	BIN="$(BIN)" scripts/check-units.sh

## check-packaging: make install into a temp DESTDIR and make deb from the debug build, then
## check the tree and the package (files, modes, conffiles, maintainer scripts, control).
check-packaging:
	BIN="$(BIN)" scripts/check-packaging.sh

## check-systemd-host: install the .deb (debug build) on a real systemd — this machine's root
## booted in systemd-nspawn under a throw-away overlay — run the service, reload, trip the
## watchdog, stop, purge (~1 min; needs root, says SKIP without it).
check-systemd-host:
	scripts/check-systemd-host.sh

## check-demo: the demo's smoke test (two short runs, ~30 s): OAuth, orders in the queue, and
## no process left behind after DEMO_DURATION or Ctrl-C.
check-demo:
	BIN="$(BIN)" scripts/check-demo.sh

## build-release: the release binaries make install and make deb ship (Swift stdlib static).
build-release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product dropstreamd
	$(SWIFT) build $(RELEASE_FLAGS) --product dropstreamctl

## install: binaries, unit, sysusers/tmpfiles, default config (never overwritten), man pages,
## completions into $(DESTDIR)$(PREFIX). BUILD_CONFIG=debug reuses the debug build.
install: $(INSTALL_BUILD)
	$(INSTALL_ENV) scripts/install.sh install

## uninstall: removes what install installed; leaves /etc/dropstream and /var/lib/dropstream.
uninstall:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" SYSCONFDIR="$(SYSCONFDIR)" scripts/install.sh uninstall

## deb: dist/dropstream_VERSION_ARCH.deb (dpkg-deb). BUILD_CONFIG=debug for a test package only.
deb: $(INSTALL_BUILD)
	BIN="$(INSTALL_BIN)" BUILD_CONFIG="$(BUILD_CONFIG)" scripts/build-deb.sh "$(DIST)"

clean:
	rm -rf .build .build-release .state dist
