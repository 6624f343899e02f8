#!/usr/bin/env bash
# Installs the Debian package on a real systemd host and runs the service there: the machine's
# own root filesystem booted with systemd as PID 1 in a container (systemd-nspawn), under a
# throw-away overlay, so nothing on this machine changes. Checks what unit-file linting cannot:
# the package's scripts, the hardened unit actually starting the daemon (Type=notify, READY=1,
# STATUS=), `dropstreamctl` through the group-owned socket, the journal, reload, the watchdog
# restarting a stopped daemon, `systemd-analyze security` on the installed unit, stop and purge.
#
#   scripts/check-systemd-host.sh [PATH.deb]   (default: `make deb BUILD_CONFIG=debug`)
#   KEEP=1 scripts/check-systemd-host.sh       keeps the work directory (results/log, boot.log)
#
# Needs root, systemd-nspawn (Debian: systemd-container) and overlayfs; without them it says
# SKIP and why, and exits 0. A debug package needs the Swift toolchain at run time: the overlay
# shares this machine's /opt/swift, so it is there. Exit 1 when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "SKIP check-systemd-host: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (mounts an overlay and boots a container)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is missing (apt-get install systemd-container; make deps does)"

t="$(mktemp -d /tmp/dropstream-host.XXXXXX)"
root="$t/root"
cleanup() {
    if [ -n "${KEEP:-}" ]; then echo "kept $t (KEEP is set): results/log, boot.log"; umount "$root" "$t/layer" 2>/dev/null; return; fi
    umount "$root" 2>/dev/null || umount -l "$root" 2>/dev/null || true
    umount "$t/layer" 2>/dev/null || umount -l "$t/layer" 2>/dev/null || true
    rm -rf "$t"
}
trap cleanup EXIT

deb="${1:-}"
if [ -z "$deb" ]; then
    echo "== make deb BUILD_CONFIG=debug"
    make --no-print-directory deb BUILD_CONFIG=debug DIST="$t/dist" >"$t/deb.log" 2>&1 || { cat "$t/deb.log"; echo "not ok - make deb"; exit 1; }
    deb="$(ls "$t"/dist/dropstream_*.deb)"
fi

# The container's root: this machine's / under an overlay whose writable layer is a tmpfs.
mkdir -p "$t/layer" "$root" "$t/results"
mount -t tmpfs -o size=2g,mode=0755 dropstream-host "$t/layer"
mkdir -p "$t/layer/upper" "$t/layer/work"
mount -t overlay dropstream-host -o "lowerdir=/,upperdir=$t/layer/upper,workdir=$t/layer/work" "$root" \
    || skip "cannot mount an overlay of / (overlayfs unavailable)"
# A machine id of its own (nspawn refuses the host's) and no state from this machine's runs.
tr -d - </proc/sys/kernel/random/uuid >"$root/etc/machine-id"
rm -rf "$root/var/lib/dropstream" "$root/etc/dropstream" "$root/run/dropstream"
install -m 0644 "$deb" "$root/root/dropstream.deb"
install -m 0755 scripts/systemd-host-test.sh "$root/root/systemd-host-test.sh"
cat >"$root/etc/systemd/system/dropstream-host-test.service" <<'EOF'
[Unit]
Description=DropStream package test on a booted systemd
After=multi-user.target
# Power the container off whatever happens, so nspawn returns.
SuccessAction=poweroff-force
FailureAction=poweroff-force
[Service]
Type=oneshot
ExecStart=/root/systemd-host-test.sh /root/dropstream.deb
TimeoutStartSec=300
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/dropstream-host-test.service "$root/etc/systemd/system/multi-user.target.wants/"

echo "== booting $root with systemd-nspawn (console log: boot.log)"
started=$(date +%s)
set +e
timeout 540 systemd-nspawn --quiet --directory="$root" --machine="dropstream-test-$$" \
    --keep-unit --register=no --link-journal=no --bind="$t/results:/results" --boot \
    </dev/null >"$t/boot.log" 2>&1
rc=$?
set -e
echo "container ran $(( $(date +%s) - started )) s (nspawn exit $rc)"

if [ ! -s "$t/results/log" ]; then
    echo "not ok - the test inside the container produced no result; console:"
    tail -n 60 "$t/boot.log"
    exit 1
fi
cat "$t/results/log"
failed=$(grep -c '^not ok' "$t/results/log" || true)
passed=$(grep -c '^ok' "$t/results/log" || true)
if ! grep -q '^# finished' "$t/results/log"; then
    echo "not ok - the test inside the container did not finish; console tail:"
    tail -n 40 "$t/boot.log"
    exit 1
fi
echo "check-systemd-host: $passed passed, $failed failed"
[ "$failed" = 0 ]
