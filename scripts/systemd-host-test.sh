#!/usr/bin/env bash
# Runs INSIDE the container that scripts/check-systemd-host.sh boots (systemd is PID 1 there):
# installs the package like an operator, configures it, runs the service and removes it again.
# Writes TAP-like lines to /results/log; "# finished" marks a complete run.
#
#   systemd-host-test.sh PATH.deb
set -uo pipefail
deb="$1"
exec >/results/log 2>&1
export DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER= SYSTEMD_COLORS=0

ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds; its output is shown when not.
check() {
    local what="$1"; shift
    if "$@" >/tmp/check.out 2>&1; then ok "$what"; else bad "$what"; sed 's/^/#   /' /tmp/check.out | tail -n 25; fi
}
# require DESCRIPTION COMMAND...: like check, but nothing after it can work when it fails.
require() {
    check "$@"
    if grep -q "^not ok - $1\$" /results/log; then echo "# stopped: the rest depends on that"; echo "# finished"; exit 1; fi
}
# wait_until SECONDS COMMAND...: polls the condition with a deadline.
wait_until() {
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}
prop() { systemctl show -p "$1" --value dropstreamd; }

check "systemd is PID 1 here" test "$(cat /proc/1/comm)" = systemd

# --- install: the package's scripts create the user and the credentials directory, start nothing.
require "apt-get installs the package (no network needed)" apt-get install -y -q "$deb"
check "the dropstream system user exists" id dropstream
check "the dropstream group exists" getent group dropstream
check "/etc/dropstream/credentials is 0700 root" test "$(stat -c '%a %U' /etc/dropstream/credentials)" = "700 root"
check "the unit is installed but not enabled" test "$(systemctl is-enabled dropstreamd)" = disabled
check "the install did not start the daemon" test "$(systemctl is-active dropstreamd)" = inactive
check "the installed unit passes systemd-analyze verify" systemd-analyze verify dropstreamd.service
exposure="$(systemd-analyze security dropstreamd 2>/dev/null | sed -n 's/.*Overall exposure level for dropstreamd.service: \([0-9.]*\).*/\1/p')"
check "installed unit exposure ${exposure:-?} <= 1.5" awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 1.5) }'

# --- without its credentials the unit refuses to start (LoadCredential= of a missing file).
check "start without credentials fails" sh -c '! systemctl start dropstreamd'
systemctl reset-failed dropstreamd 2>/dev/null

# --- configure like the README's first-time setup.
printf 'host-test-client-secret' | install -m 0600 /dev/stdin /etc/dropstream/credentials/bigcommerce-client-secret
head -c 32 /dev/urandom | install -m 0600 /dev/stdin /etc/dropstream/credentials/token-key
sed -i 's/^  #client_id: your-app-client-id/  client_id: host-test-app/' /etc/dropstream/dropstreamd.yaml
check "the config now names the client id" grep -q '^  client_id: host-test-app' /etc/dropstream/dropstreamd.yaml

# --- run: Type=notify, so `enable --now` returns once the daemon sent READY=1.
require "systemctl enable --now dropstreamd" systemctl enable --now dropstreamd
check "the service is active (running)" test "$(prop SubState)" = running
check "STATUS= reaches systemd" sh -c "systemctl show -p StatusText --value dropstreamd | grep -q 'ready, .* claimed, .* held'"
echo "# StatusText: $(prop StatusText)"
check "the daemon runs as user dropstream" test "$(ps -o user= -p "$(prop MainPID)")" = dropstream
check "the socket is /run/dropstream/control.sock, 0660 dropstream:dropstream" \
    test "$(stat -c '%a %U:%G' /run/dropstream/control.sock)" = "660 dropstream:dropstream"
check "the database is 0600 in /var/lib/dropstream" sh -c 'test "$(stat -c %a /var/lib/dropstream/*.sqlite 2>/dev/null || stat -c %a /var/lib/dropstream/*.db)" = 600'
check "dropstreamctl status as root" dropstreamctl status
check "dropstreamctl status --json says ready" sh -c "dropstreamctl status --json | grep -q '\"ready\"'"

# Operators in the dropstream group use the ctl without sudo; others are refused clearly.
useradd --create-home --groups dropstream operator1
useradd --create-home outsider1
check "a dropstream group member runs dropstreamctl status" runuser -u operator1 -- dropstreamctl status
check "a group member may write (store add)" runuser -u operator1 -- dropstreamctl store add hosttest --store-hash abc123
check "the history records the member's uid (SO_PEERCRED through the hardened unit)" sh -c \
    "dropstreamctl store show hosttest --json | grep -q '\"actor\" *: *\"operator:$(id -u operator1)\"'"
check "a non-member is refused (exit 77, names the socket)" sh -c '
    runuser -u outsider1 -- dropstreamctl status --socket /run/dropstream/control.sock >/tmp/out 2>&1; rc=$?
    cat /tmp/out; [ "$rc" = 77 ] && grep -q control.sock /tmp/out'

# The journal: native fields from sd_journal_sendv.
check "journald has the daemon's entries with SYSLOG_IDENTIFIER=dropstreamd" \
    sh -c "journalctl -u dropstreamd -o json --no-pager | grep -q '\"SYSLOG_IDENTIFIER\":\"dropstreamd\"'"
check "the store add is in the journal with a STORE field" \
    sh -c "journalctl -u dropstreamd -o json --no-pager | grep -q '\"STORE\":\"hosttest\"'"
check "no secret in the journal" sh -c "! journalctl -o cat --no-pager | grep -q host-test-client-secret"

# Reload: RELOADING=1 then READY=1; the service stays up with the same PID.
pid_before="$(prop MainPID)"
check "systemctl reload dropstreamd" systemctl reload dropstreamd
check "still running after reload, same PID" sh -c "[ \"\$(systemctl show -p SubState --value dropstreamd)\" = running ] && [ \"\$(systemctl show -p MainPID --value dropstreamd)\" = $pid_before ]"

# The watchdog: a stopped (wedged) daemon stops pinging and systemd restarts it.
mkdir -p /etc/systemd/system/dropstreamd.service.d
printf '[Service]\nWatchdogSec=4s\n' >/etc/systemd/system/dropstreamd.service.d/watchdog.conf
systemctl daemon-reload
check "restart with WatchdogSec=4s" systemctl restart dropstreamd
wedged="$(prop MainPID)"
restarts_before="$(prop NRestarts)"
kill -STOP "$wedged"
check "systemd restarts a wedged daemon (watchdog)" wait_until 40 sh -c \
    "[ \"\$(systemctl show -p NRestarts --value dropstreamd)\" -gt $restarts_before ] && [ \"\$(systemctl show -p SubState --value dropstreamd)\" = running ]"
check "the journal records the watchdog timeout" sh -c "journalctl -u dropstreamd --no-pager | grep -qi watchdog"
rm -rf /etc/systemd/system/dropstreamd.service.d
systemctl daemon-reload

# Encrypted credentials (the README's systemd-creds recipe): the plain files are gone, the
# unit decrypts them into $CREDENTIALS_DIRECTORY (a failed decryption fails the start).
(
    cd /etc/dropstream/credentials || exit 1
    for name in bigcommerce-client-secret token-key; do
        systemd-creds encrypt --name="$name" "$name" "$name.cred" && shred -u "$name"
    done
) >/tmp/creds.out 2>&1
sed 's/^/#   /' /tmp/creds.out
check "systemd-creds encrypts both credentials" sh -c '[ -f /etc/dropstream/credentials/token-key.cred ] && [ ! -e /etc/dropstream/credentials/token-key ]'
mkdir -p /etc/systemd/system/dropstreamd.service.d
printf '%s\n' '[Service]' 'LoadCredential=' \
    'LoadCredentialEncrypted=bigcommerce-client-secret:/etc/dropstream/credentials/bigcommerce-client-secret.cred' \
    'LoadCredentialEncrypted=token-key:/etc/dropstream/credentials/token-key.cred' \
    >/etc/systemd/system/dropstreamd.service.d/credentials.conf
systemctl daemon-reload
check "restart with LoadCredentialEncrypted=" systemctl restart dropstreamd
check "running on encrypted credentials" test "$(prop SubState)" = running
check "the daemon answers on encrypted credentials" dropstreamctl store show hosttest
check "no plain secret file is left" sh -c '! grep -rl host-test-client-secret /etc/dropstream'

# Stop: STOPPING=1, exit 0, the socket is gone.
check "systemctl stop dropstreamd" systemctl stop dropstreamd
check "the daemon exited 0" test "$(prop ExecMainStatus)" = 0
check "the socket is removed" test ! -e /run/dropstream/control.sock

# Purge: configuration, credentials and the database go; the user stays (Debian policy).
check "apt-get purge dropstream" apt-get purge -y -q dropstream
check "/var/lib/dropstream is removed" test ! -e /var/lib/dropstream
check "/etc/dropstream is removed" test ! -e /etc/dropstream
check "the binaries are removed" test ! -e /usr/bin/dropstreamd
check "the dropstream user stays" id dropstream
echo "# finished"
