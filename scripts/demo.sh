#!/usr/bin/env bash
# `make demo`: a BigCommerce sandbox with one demo store, a dropstreamd connected to it through
# the real OAuth flow (the script drives the sandbox's install pages with curl, like a browser),
# new orders created in the sandbox every few seconds, and a small warehouse worker that claims an
# order every few seconds and ships it a little later with a made-up tracking number. The terminal
# shows orders arriving in the queue, being claimed and shipped, and the store marking them
# Shipped with the sandbox's shipment. Ctrl-C stops everything this script started and removes
# its temporary directory.
#
# Usage: scripts/demo.sh [--for SECONDS]
# Environment:
#   BIN                   directory of the built binaries (default: `swift build --show-bin-path`)
#   DEMO_DURATION=N       stop by itself after N seconds (same as --for N; the smoke test uses it)
#   DEMO_ORDER_EVERY=N    seconds between two new sandbox orders (default 4)
#   DEMO_WORKER=0         no warehouse worker: claim and ship by hand (default 1: on)
#   DEMO_WORKER_EVERY=N   seconds between two claims of the worker (default 5)
#   DEMO_SHIP_AFTER=N     seconds the worker takes to ship a claimed order (default 3)
#   DEMO_CALLBACK_PORT=P  the daemon's callback port (default: a free loopback port)
#   DEMO_SANDBOX_PORT=P   the sandbox's port (default: a free loopback port)
#   DEMO_KEEP=1           keep the temporary directory (logs, database) after the demo
#
# Needs bash, curl and python3 (JSON and a free-port probe). Everything it starts is recorded by
# PID and stopped by PID on exit, Ctrl-C or SIGTERM.
set -euo pipefail

PROG=demo
say() { printf '%s\n' "$*"; }
warn() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { warn "error: $*"; exit 1; }

DURATION="${DEMO_DURATION:-}"
ORDER_EVERY="${DEMO_ORDER_EVERY:-4}"
while [ $# -gt 0 ]; do
    case "$1" in
        --for) [ $# -ge 2 ] || die "--for needs a number of seconds"; DURATION="$2"; shift 2 ;;
        --for=*) DURATION="${1#--for=}"; shift ;;
        -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
done
is_uint() { case "$1" in ''|*[!0-9]*) return 1 ;; *) return 0 ;; esac; }
[ -z "$DURATION" ] || is_uint "$DURATION" || die "DEMO_DURATION / --for must be a whole number of seconds (got '$DURATION')"
is_uint "$ORDER_EVERY" && [ "$ORDER_EVERY" -ge 1 ] || die "DEMO_ORDER_EVERY must be a whole number >= 1 (got '$ORDER_EVERY')"
WORKER="${DEMO_WORKER:-1}"
WORKER_EVERY="${DEMO_WORKER_EVERY:-5}"
SHIP_AFTER="${DEMO_SHIP_AFTER:-3}"
case "$WORKER" in 0|1) ;; *) die "DEMO_WORKER must be 0 (off) or 1 (on) (got '$WORKER')" ;; esac
is_uint "$WORKER_EVERY" && [ "$WORKER_EVERY" -ge 1 ] || die "DEMO_WORKER_EVERY must be a whole number >= 1 (got '$WORKER_EVERY')"
is_uint "$SHIP_AFTER" || die "DEMO_SHIP_AFTER must be a whole number of seconds (got '$SHIP_AFTER')"

for tool in curl python3; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (make demo installs it: apt-get install $tool)"
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${BIN:-}" ]; then
    BIN="$(cd "$ROOT" && swift build --show-bin-path 2>/dev/null)" || die "cannot find the build; run 'make build' (or set BIN)"
fi
for exe in bigcommerce-sandbox dropstreamd dropstreamctl; do
    [ -x "$BIN/$exe" ] || die "$BIN/$exe is missing; run 'make build' first (make demo does)"
done
CTL="$BIN/dropstreamctl"

# ---------------------------------------------------------------------------------------------
# Cleanup: stop every process we started (by PID), then remove the temporary directory.
SANDBOX_PID="" DAEMON_PID="" FEEDER_PID="" WORKER_PID="" SLEEP_PID="" WORK="" STOPPING=0 EXIT_REASON=""

stop_pid() { # stop_pid NAME PID: SIGTERM, wait up to 10 s, then SIGKILL
    local name="$1" pid="$2" i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        warn "$name (pid $pid) did not stop within 10 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    [ "$STOPPING" = 0 ] || return 0
    STOPPING=1
    trap '' INT TERM
    if [ -n "$SLEEP_PID" ]; then kill "$SLEEP_PID" 2>/dev/null || true; wait "$SLEEP_PID" 2>/dev/null || true; fi
    if [ -n "$SANDBOX_PID$DAEMON_PID$FEEDER_PID$WORKER_PID" ]; then say "Stopping the demo${EXIT_REASON:+ ($EXIT_REASON)}..."; fi
    stop_pid "warehouse worker" "$WORKER_PID"
    stop_pid "order feeder" "$FEEDER_PID"
    stop_pid dropstreamd "$DAEMON_PID"
    stop_pid bigcommerce-sandbox "$SANDBOX_PID"
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "${DEMO_KEEP:-0}" = 1 ]; then
            say "Kept $WORK (logs: sandbox.log, dropstreamd.log; database: state/)."
        else
            rm -rf "$WORK"
        fi
    fi
    if [ "$status" = 0 ] || [ -n "$EXIT_REASON" ]; then
        say "Goodbye: the sandbox, dropstreamd, the order feeder and the worker are stopped; nothing is left running."
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'EXIT_REASON="interrupted"; exit 0' INT
trap 'EXIT_REASON="terminated"; exit 0' TERM

# ---------------------------------------------------------------------------------------------
# Working directory, ports.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dropstream-demo.XXXXXX")" || die "cannot create a temporary directory"
chmod 700 "$WORK"
SOCKET="$WORK/control.sock"
[ "${#SOCKET}" -lt 100 ] || die "the socket path $SOCKET is too long for a Unix socket; set TMPDIR to a shorter directory"
mkdir -m 700 "$WORK/state"

port_free() { # port_free PORT: exit 0 when 127.0.0.1:PORT can be bound now
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}
free_port() { # a port the kernel hands out as free on loopback (bound and released at once)
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
pick_port() { # pick_port VARIABLE-NAME: the variable's value if set (checked), else a free port
    local var="$1" value="${!1:-}"
    if [ -n "$value" ]; then
        is_uint "$value" && [ "$value" -ge 1 ] && [ "$value" -le 65535 ] || die "$var must be a port number (got '$value')"
        port_free "$value" || die "port $value ($var) is in use on 127.0.0.1; choose another or unset $var to pick a free one"
        printf '%s\n' "$value"
    else
        free_port
    fi
}
CALLBACK_PORT="$(pick_port DEMO_CALLBACK_PORT)"
SANDBOX_PORT="$(pick_port DEMO_SANDBOX_PORT)"
[ "$CALLBACK_PORT" != "$SANDBOX_PORT" ] || die "the callback port and the sandbox port must differ"
CALLBACK_BASE="http://127.0.0.1:$CALLBACK_PORT"

# json EXPR: evaluates the Python expression EXPR with `d` = the JSON document on stdin.
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1"; }

wait_for() { # wait_for SECONDS DESCRIPTION PID COMMAND...: retry COMMAND every 0.2 s
    local secs="$1" what="$2" pid="$3" i; shift 3
    for i in $(seq 1 $((secs * 5))); do
        "$@" >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || return 2
        sleep 0.2
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# 1. The sandbox: one store, a few seeded orders, our app's client id/secret and callbacks.
CLIENT_ID="dropstream-demo"
CLIENT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
( umask 077; printf '%s' "$CLIENT_SECRET" > "$WORK/bigcommerce-client-secret" )
chmod 600 "$WORK/bigcommerce-client-secret"

say "DropStream demo: working directory $WORK"
say "Starting the BigCommerce sandbox..."
# The secret goes through the environment, never on a command line (ps would show it).
BIGCOMMERCE_SANDBOX_CLIENT_SECRET="$CLIENT_SECRET" "$BIN/bigcommerce-sandbox" \
    --port "$SANDBOX_PORT" --stores 1 --orders 8 --seed 7 --client-id "$CLIENT_ID" \
    --auth-callback "$CALLBACK_BASE/bigcommerce/auth" \
    --uninstall-callback "$CALLBACK_BASE/bigcommerce/uninstall" \
    --load-callback "$CALLBACK_BASE/bigcommerce/load" \
    >"$WORK/sandbox.out" 2>"$WORK/sandbox.log" </dev/null &
SANDBOX_PID=$!
sandbox_up() { grep -q '^bigcommerce-sandbox listening on ' "$WORK/sandbox.out" && grep -q '^store ' "$WORK/sandbox.out"; }
if ! wait_for 30 "the sandbox" "$SANDBOX_PID" sandbox_up; then
    warn "the sandbox did not start; its output:"; cat "$WORK/sandbox.out" "$WORK/sandbox.log" >&2 || true
    die "bigcommerce-sandbox failed (port $SANDBOX_PORT taken? see above)"
fi
SANDBOX_URL="$(sed -n 's/^bigcommerce-sandbox listening on \(http[^ ]*\).*/\1/p' "$WORK/sandbox.out" | head -n1)"
STORE_LINE="$(grep -m1 '^store ' "$WORK/sandbox.out")"
STORE_HASH="$(printf '%s\n' "$STORE_LINE" | awk '{print $2}')"
OWNER_EMAIL="$(printf '%s\n' "$STORE_LINE" | sed -n 's/.* owner=\([^ ]*\).*/\1/p')"
SEEDED="$(printf '%s\n' "$STORE_LINE" | sed -n 's/.* orders=\([0-9]*\).*/\1/p')"
[ -n "$SANDBOX_URL" ] && [ -n "$STORE_HASH" ] || die "could not read the sandbox's URL and store from: $(cat "$WORK/sandbox.out")"
OWNER_EMAIL="${OWNER_EMAIL:-owner@$STORE_HASH.example.com}"
say "  sandbox $SANDBOX_URL (pid $SANDBOX_PID), store $STORE_HASH with $SEEDED seeded orders, owner $OWNER_EMAIL"

# ---------------------------------------------------------------------------------------------
# 2. dropstreamd with its own config, state, socket and logs in the temporary directory.
cat > "$WORK/dropstreamd.yaml" <<EOF
# Written by scripts/demo.sh; removed when the demo stops.
state_directory: $WORK/state
control:
  socket: $SOCKET
log:
  level: info
callback:
  listen: 127.0.0.1:$CALLBACK_PORT
  public_url: $CALLBACK_BASE
bigcommerce:
  client_id: $CLIENT_ID
  client_secret_file: $WORK/bigcommerce-client-secret
  api_base_url: $SANDBOX_URL
  login_base_url: $SANDBOX_URL
sync:
  poll_interval: 5s
EOF
say "Starting dropstreamd..."
# Nothing from the caller's environment may redirect it: DROPSTREAM_* variables would override the
# file, and NOTIFY_SOCKET/JOURNAL_STREAM of a surrounding service would change its logging.
unset_env=(-u NOTIFY_SOCKET -u JOURNAL_STREAM -u WATCHDOG_USEC -u WATCHDOG_PID -u CREDENTIALS_DIRECTORY
           -u STATE_DIRECTORY -u RUNTIME_DIRECTORY -u CONFIGURATION_DIRECTORY)
for v in $(compgen -e); do case "$v" in DROPSTREAM_*) unset_env+=(-u "$v") ;; esac; done
env "${unset_env[@]}" "$BIN/dropstreamd" --config "$WORK/dropstreamd.yaml" --state-directory "$WORK/state" \
    --socket "$SOCKET" --log-level info >"$WORK/dropstreamd.log" 2>&1 </dev/null &
DAEMON_PID=$!
rc=0; wait_for 30 dropstreamd "$DAEMON_PID" "$CTL" status --socket "$SOCKET" || rc=$?
if [ "$rc" != 0 ]; then
    warn "dropstreamd did not come up; its log:"; tail -n 20 "$WORK/dropstreamd.log" >&2 || true
    die "dropstreamd failed to start (callback port $CALLBACK_PORT taken by someone else meanwhile? run again)"
fi
say "  dropstreamd pid $DAEMON_PID, control socket $SOCKET, callbacks on $CALLBACK_BASE"

# ---------------------------------------------------------------------------------------------
# 3. Connect the store through the real OAuth flow, driving the sandbox's pages like a browser.
say "Connecting store 'demo' ($STORE_HASH) through OAuth..."
"$CTL" store add demo --platform bigcommerce --store-hash "$STORE_HASH" --socket "$SOCKET" >/dev/null \
    || die "dropstreamctl store add failed"
AUTH_JSON="$("$CTL" store authorize demo --socket "$SOCKET" --json)" || die "dropstreamctl store authorize failed"
AUTHORIZE_URL="$(printf '%s' "$AUTH_JSON" | json 'd["authorization"]["authorize_url"]')"
EXPECTED_CALLBACK="$(printf '%s' "$AUTH_JSON" | json 'd["authorization"]["callback_url"]')"
[ "$EXPECTED_CALLBACK" = "$CALLBACK_BASE/bigcommerce/auth" ] \
    || die "the daemon expects the callback $EXPECTED_CALLBACK but the sandbox app was registered with $CALLBACK_BASE/bigcommerce/auth"
say "  1/4 open the install page: $AUTHORIZE_URL"

# form_fields FORM-ID: reads an HTML page on stdin; prints the form's action, then one
# NAME=VALUE line per hidden input and per <select>'s selected option.
form_fields() {
    python3 -c '
import sys
from html.parser import HTMLParser
want = sys.argv[1]
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.inside = False; s.action = None; s.fields = []; s.select = None; s.first = None
    def handle_starttag(s, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == want: s.inside = True; s.action = a.get("action", "")
        elif not s.inside: return
        elif tag == "input" and a.get("type") == "hidden": s.fields.append((a.get("name"), a.get("value", "")))
        elif tag == "select": s.select = a.get("name"); s.first = None
        elif tag == "option" and s.select:
            if s.first is None: s.first = a.get("value", "")
            if "selected" in a: s.fields.append((s.select, a.get("value", ""))); s.select = None
    def handle_endtag(s, tag):
        if tag == "select" and s.select:
            s.fields.append((s.select, s.first or "")); s.select = None
        if tag == "form": s.inside = False
p = P(); p.feed(sys.stdin.read())
if p.action is None: sys.exit(1)
print(p.action)
for k, v in p.fields: print(f"{k}={v}")
' "$1"
}
JAR="$WORK/cookies.txt"
BROWSER=(curl -sS --max-time 10 -c "$JAR" -b "$JAR" -A "dropstream-demo (curl)")
origin_of() { printf '%s\n' "$1" | sed -n 's#^\(https\{0,1\}://[^/]*\).*#\1#p'; }
absolute() { case "$2" in http://*|https://*) printf '%s\n' "$2" ;; /*) printf '%s%s\n' "$(origin_of "$1")" "$2" ;; *) printf '%s/%s\n' "${1%/*}" "$2" ;; esac; }
# post_form PAGE-URL FIELDS-FILE EXTRA-ARGS...: submits the form described by FIELDS-FILE.
post_form() {
    local page="$1" fields="$2" action; shift 2
    action="$(absolute "$page" "$(head -n1 "$fields")")"
    local args=() line
    { read -r line; while IFS= read -r line; do args+=(--data-urlencode "$line"); done; } < "$fields"
    "${BROWSER[@]}" -o "$WORK/page.html" -w '%{http_code} %{redirect_url}' -X POST "${args[@]}" "$@" "$action"
}

"${BROWSER[@]}" -o "$WORK/page.html" "$AUTHORIZE_URL" || die "cannot open the install page $AUTHORIZE_URL"
form_fields login < "$WORK/page.html" > "$WORK/form.txt" || die "the install page has no sign-in form (see $WORK/page.html)"
say "  2/4 sign in as $OWNER_EMAIL"
result="$(post_form "$AUTHORIZE_URL" "$WORK/form.txt" --data-urlencode "email=$OWNER_EMAIL" --data-urlencode "password=sandbox")" \
    || die "sign-in request failed"
[ "${result%% *}" = 200 ] || die "sign-in refused (HTTP ${result%% *}): $(sed 's/<[^>]*>//g' "$WORK/page.html" | tr -s ' \n' ' ')"
SIGNIN_URL="$(absolute "$AUTHORIZE_URL" "$(head -n1 "$WORK/form.txt")")"
form_fields confirm < "$WORK/page.html" > "$WORK/form.txt" || die "no confirm form after signing in (see $WORK/page.html)"
grep -q "^store_hash=$STORE_HASH\$" "$WORK/form.txt" || die "the confirm page does not offer store $STORE_HASH"
say "  3/4 confirm the installation for store $STORE_HASH"
result="$(post_form "$SIGNIN_URL" "$WORK/form.txt" --data-urlencode "action=confirm")" || die "confirm request failed"
CALLBACK_URL="${result#* }"
[ "${result%% *}" = 302 ] && [ -n "$CALLBACK_URL" ] || die "the sandbox did not redirect after Confirm (HTTP ${result%% *})"
case "$CALLBACK_URL" in "$EXPECTED_CALLBACK"\?*) ;; *) die "redirected to $CALLBACK_URL, not the daemon's callback" ;; esac
say "  4/4 follow the redirect to the daemon: $EXPECTED_CALLBACK?code=..."
code="$("${BROWSER[@]}" -o "$WORK/page.html" -w '%{http_code}' "$CALLBACK_URL")" || die "the daemon's callback did not answer"
[ "$code" = 200 ] || die "the daemon refused the callback (HTTP $code): $(sed 's/<[^>]*>//g' "$WORK/page.html" | tr -s ' \n' ' ')"
rm -f "$JAR" "$WORK/page.html" "$WORK/form.txt"

store_active() { [ "$("$CTL" store show demo --socket "$SOCKET" --json | json 'd["state"]')" = active ]; }
wait_for 15 "the store" "$DAEMON_PID" store_active || die "store 'demo' did not become active; see $WORK/dropstreamd.log"
say "  store 'demo' is active: the daemon exchanged the code for a token (stored encrypted) and started syncing"

# ---------------------------------------------------------------------------------------------
# 4. The order feeder: a new order (status 11, Awaiting Fulfillment) every ORDER_EVERY seconds.
feeder() {
    local sleeper="" id
    trap - EXIT
    trap '[ -z "$sleeper" ] || { kill "$sleeper" 2>/dev/null; wait "$sleeper" 2>/dev/null; }; exit 0' TERM
    trap '' INT   # Ctrl-C reaches the whole process group; the parent stops us with SIGTERM
    while :; do
        sleep "$ORDER_EVERY" & sleeper=$!; wait "$sleeper" || true; sleeper=""
        id="$(curl -sS --max-time 5 -X POST -H 'Content-Type: application/json' -d '{"status_id": 11}' \
            "$SANDBOX_URL/_sandbox/v1/stores/$STORE_HASH/orders" 2>/dev/null | json 'd["id"]' 2>/dev/null)" || id=""
        [ -z "$id" ] || printf '%s\n' "$id" >> "$WORK/feeder.ids"
    done
}
: > "$WORK/feeder.ids"
feeder </dev/null &
FEEDER_PID=$!

# ---------------------------------------------------------------------------------------------
# 5. The warehouse worker (DEMO_WORKER=1): every WORKER_EVERY seconds it claims one order, takes
# SHIP_AFTER seconds to "pack" it, then confirms the shipment with a made-up tracking number, as a
# warehouse system would over the control socket. Each step is one line of worker.log, which the
# foreground reads: "claimed ID ORDER-NO" and "shipped ID ORDER-NO TRACKING".
worker() {
    local sleeper="" claim id number tracking
    trap - EXIT
    trap '[ -z "$sleeper" ] || { kill "$sleeper" 2>/dev/null; wait "$sleeper" 2>/dev/null; }; exit 0' TERM
    trap '' INT
    nap() { sleep "$1" & sleeper=$!; wait "$sleeper" || true; sleeper=""; }
    while :; do
        nap "$WORKER_EVERY"
        claim="$("$CTL" queue claim --worker demo-worker --limit 1 --lease 2m --socket "$SOCKET" --json 2>/dev/null)" || continue
        id="$(printf '%s' "$claim" | json '" ".join((str(d["orders"][0]["id"]), d["orders"][0]["store_order_id"])) if d["orders"] else ""' 2>/dev/null)" || id=""
        [ -n "$id" ] || continue
        read -r id number <<<"$id"
        printf 'claimed %s %s\n' "$id" "$number" >> "$WORK/worker.log"
        nap "$SHIP_AFTER"
        tracking="DEMO$(date +%s)$((RANDOM % 1000))"
        if "$CTL" orders ship "$id" --tracking "$tracking" --carrier ups --worker demo-worker --socket "$SOCKET" >/dev/null 2>&1; then
            printf 'shipped %s %s %s\n' "$id" "$number" "$tracking" >> "$WORK/worker.log"
        fi
    done
}
: > "$WORK/worker.log"
if [ "$WORKER" = 1 ]; then
    worker </dev/null &
    WORKER_PID=$!
fi

# ---------------------------------------------------------------------------------------------
# 6. The foreground: what to try, then one line every couple of seconds.
C="$CTL" FROM=""
if [ "$(cd "$ROOT/.build/debug" 2>/dev/null && pwd -P)" = "$(cd "$BIN" && pwd -P)" ]; then
    C=".build/debug/dropstreamctl" FROM=" (from $ROOT)"
fi
cat <<EOF

The demo is running (processes: sandbox $SANDBOX_PID, dropstreamd $DAEMON_PID, order feeder $FEEDER_PID, worker ${WORKER_PID:-off}).
A new order is created in the sandbox store every $ORDER_EVERY s; dropstreamd polls the store every 5 s.
$(if [ "$WORKER" = 1 ]; then
    printf '%s\n' "A warehouse worker claims an order every $WORKER_EVERY s and ships it $SHIP_AFTER s later (DEMO_WORKER=0 turns it off);" \
        "the store then shows the order Shipped with the worker's tracking number."
else
    printf '%s\n' "No warehouse worker (DEMO_WORKER=0): claim and ship orders yourself."
fi)
Try these in another terminal$FROM:

  $C status --socket $SOCKET
  $C store show demo --socket $SOCKET
  $C orders list --socket $SOCKET
  $C queue claim --worker me --limit 1 --socket $SOCKET
  $C orders ship ID --tracking 1Z999AA10123456784 --carrier ups --socket $SOCKET
      (ID is the first column of 'orders list' / the id 'queue claim' printed)
  $C orders show ID --socket $SOCKET

  tail -f $WORK/dropstreamd.log        # the daemon's log

EOF
if [ -n "$DURATION" ]; then say "Stopping by itself after $DURATION s (DEMO_DURATION). Ctrl-C stops it sooner."
else say "Press Ctrl-C to stop everything."; fi
say ""
say "TIME      NEW IN STORE  QUEUE: READY  CLAIMED  SHIPPED  HELD  TOTAL"

START=$SECONDS
last_total=0
worker_seen=0
AWAITING_STORE=()   # "ORDER-NO TRACKING" of shipments not yet seen in the store
# store_shipment ORDER-NO TRACKING: "SHIPMENT-ID STATUS" once the sandbox store has the shipment.
store_shipment() {
    local shipment status
    shipment="$(curl -sS --max-time 3 "$SANDBOX_URL/_sandbox/v1/stores/$STORE_HASH/shipments?order_id=$1" 2>/dev/null \
        | json "next((str(s['id']) for s in d if s['tracking_number'] == '$2'), '')" 2>/dev/null)" || return 1
    [ -n "$shipment" ] || return 1
    status="$(curl -sS --max-time 3 "$SANDBOX_URL/_sandbox/v1/stores/$STORE_HASH/orders" 2>/dev/null \
        | json "next((o['status'] for o in d if str(o['id']) == '$1'), '?')" 2>/dev/null)" || status="?"
    printf '%s %s\n' "$shipment" "$status"
}
while :; do
    kill -0 "$DAEMON_PID" 2>/dev/null || { warn "dropstreamd exited; last log lines:"; tail -n 20 "$WORK/dropstreamd.log" >&2; exit 1; }
    kill -0 "$SANDBOX_PID" 2>/dev/null || { warn "the sandbox exited; last log lines:"; tail -n 20 "$WORK/sandbox.log" >&2; exit 1; }
    created="$(wc -l < "$WORK/feeder.ids" | tr -d ' ')"
    if counts="$("$CTL" status --socket "$SOCKET" --json 2>/dev/null | json '" ".join(str(d["orders_by_state"].get(k, 0)) for k in ("ready","claimed","shipped","held","cancelled"))' 2>/dev/null)"; then
        read -r ready claimed shipped held cancelled <<<"$counts"
        total=$((ready + claimed + shipped + held + cancelled))
        note=""
        if [ "$total" -gt "$last_total" ]; then
            delta=$((total - last_total))
            ids="$("$CTL" orders list --socket "$SOCKET" --limit "$delta" --json 2>/dev/null \
                | json '" ".join("#" + o["store_order_id"] for o in d["orders"][:6]) + (" ..." if len(d["orders"]) > 6 else "")' 2>/dev/null)" || ids=""
            note="  +$delta arrived${ids:+ (store orders $ids)}"
        fi
        last_total=$total
        # What the worker did since the last line, and shipments the store now shows.
        while IFS=' ' read -r what _ number tracking; do
            case "$what" in
                claimed) note="$note  worker claimed #$number" ;;
                shipped) note="$note  worker shipped #$number ($tracking)"; AWAITING_STORE+=("$number $tracking") ;;
            esac
        done < <(tail -n "+$((worker_seen + 1))" "$WORK/worker.log")
        worker_seen="$(wc -l < "$WORK/worker.log" | tr -d ' ')"
        still=()
        for entry in "${AWAITING_STORE[@]}"; do
            read -r number tracking <<<"$entry"
            if seen="$(store_shipment "$number" "$tracking")"; then
                read -r shipment status <<<"$seen"
                note="$note  store: #$number $status, shipment $shipment ($tracking)"
            else
                still+=("$entry")
            fi
        done
        AWAITING_STORE=("${still[@]}")
        printf '%s  %12s  %12s  %7s  %7s  %4s  %5s%s\n' "$(date +%H:%M:%S)" "$created" "$ready" "$claimed" "$shipped" "$held" "$total" "$note"
    else
        printf '%s  (dropstreamd did not answer)\n' "$(date +%H:%M:%S)"
    fi
    if [ -n "$DURATION" ] && [ $((SECONDS - START)) -ge "$DURATION" ]; then
        EXIT_REASON="DEMO_DURATION of $DURATION s reached"
        exit 0
    fi
    sleep 2 & SLEEP_PID=$!
    wait "$SLEEP_PID" || true
    SLEEP_PID=""
done
