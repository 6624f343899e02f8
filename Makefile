# DropStream for Linux. The README's quick start names two commands: `make run` and `make test`.
# Each installs what it needs first (Debian packages through apt-get; sudo when not root).

SWIFT       ?= swift
BUILD_FLAGS ?=
BIN         := $(shell $(SWIFT) build $(BUILD_FLAGS) --show-bin-path 2>/dev/null)
STATE       ?= $(CURDIR)/.state
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEB_PACKAGES := libsystemd-dev pkg-config libsqlite3-dev python3

.PHONY: all deps build run test test-units check-units clean

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

## test: the whole suite (unit, SQLite, sandbox over loopback, spawned binaries) + unit-file checks.
test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(MAKE) --no-print-directory check-units
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

## check-units: systemd-analyze verify + security on the shipped unit files.
check-units:
	BIN="$(BIN)" scripts/check-units.sh

clean:
	rm -rf .build .state
