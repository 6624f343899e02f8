#!/usr/bin/env bash
# Smoke test of `make demo` (scripts/demo.sh), run by `make test`. Two runs, ~30 s in all:
#   1. DEMO_DURATION=20: while it runs, the store 'demo' is active with a credential, its history
#      shows the authorization arriving through the OAuth callback, the sandbox reports the app
#      installed, orders reached the queue (including one the feeder created after the store was
#      connected), and the printed claim/ship commands work (the shipment reaches the sandbox);
#      its warehouse worker claims and ships orders by itself, and the status lines show an order
#      going claimed -> shipped -> Shipped in the store with the sandbox's shipment (the worker's
#      tracking number, also in the sandbox's shipment list);
#      then it stops by itself with exit status 0, every process it started (by PID) is gone,
#      nothing is left in its process group (the feeder's sleep and curl included), and its
#      temporary directory is removed.
#   2. Ctrl-C, with DEMO_WORKER=0: it says the worker is off and no worker claims anything; a run
#      without a duration gets SIGINT on its whole process group (what a terminal's Ctrl-C does);
#      it says goodbye, and again no process is left and the directory is gone.
# Prints "N passed, M failed" last and exits 1 if M > 0.
set -uo pipefail
cd "$(dirname "$0")/.."
: "${BIN:?set BIN to the debug build bin path}"
export BIN
CTL="$BIN/dropstreamctl"
DURATION="${CHECK_DEMO_DURATION:-20}"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION COMMAND...
    local what="$1"; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1"; }

t=$(mktemp -d)
# Job control: each demo runs in its own process group, which is how a terminal runs it, so a
# Ctrl-C can be sent to the group, and SIGINT is not ignored as in a plain background job.
set -m
DEMO_PGIDS=()
STARTED_PIDS=()
finish() {
    # Safety net: if a check failed half-way, stop what is left (by PID / process group only).
    local p
    for p in "${DEMO_PGIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
    for p in "${STARTED_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    rm -rf "$t"
}
trap finish EXIT

# wait_line FILE REGEX SECONDS: wait until a line of FILE matches.
wait_line() {
    local i
    for i in $(seq 1 $(($3 * 5))); do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
# The facts the demo prints: its directory, socket, sandbox URL, store hash and PIDs.
parse_demo() { # parse_demo LOG
    WORK=$(sed -n 's/^DropStream demo: working directory \(.*\)$/\1/p' "$1" | head -n1)
    SOCKET=$(sed -n 's/.*control socket \([^,]*\),.*/\1/p' "$1" | head -n1)
    SANDBOX_URL=$(sed -n 's/^  sandbox \(http[^ ]*\) .*/\1/p' "$1" | head -n1)
    STORE_HASH=$(sed -n 's/^  sandbox [^ ]* (pid [0-9]*), store \([a-z0-9]*\) .*/\1/p' "$1" | head -n1)
    PIDS=$(sed -n 's/.*(processes: sandbox \([0-9]*\), dropstreamd \([0-9]*\), order feeder \([0-9]*\), worker \([0-9]*\|off\)).*/\1 \2 \3 \4/p' "$1" | head -n1)
    PIDS=${PIDS% off}
    STARTED_PIDS+=($PIDS)
}
# gone PID: the process no longer exists (a reused PID running something else counts as gone).
gone() {
    kill -0 "$1" 2>/dev/null || return 0
    ! grep -qaE 'bigcommerce-sandbox|dropstreamd|demo.sh' "/proc/$1/cmdline" 2>/dev/null
}
# group_empty PGID: no process is left in the process group (everything the demo forked).
group_empty() {
    local left
    left=$(ps -e -o pid=,pgid=,args= | awk -v g="$1" '$2 == g')
    [ -z "$left" ] || { echo "$left" | sed 's/^/     left: /'; return 1; }
}
all_gone() { local p; for p in "$@"; do gone "$p" || { echo "     pid $p still running: $(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null)"; return 1; }; done; }
wait_exit() { # wait_exit PID SECONDS: wait for our background job; sets RC
    local i
    for i in $(seq 1 $(($2 * 10))); do
        if ! kill -0 "$1" 2>/dev/null; then wait "$1"; RC=$?; return 0; fi
        sleep 0.1
    done
    RC=timeout
    return 1
}

# ---------------------------------------------------------------------------------------------
echo "== run 1: DEMO_DURATION=$DURATION"
log1="$t/run1.log"
DEMO_DURATION=$DURATION DEMO_ORDER_EVERY=3 DEMO_WORKER_EVERY=2 DEMO_SHIP_AFTER=1 scripts/demo.sh >"$log1" 2>&1 </dev/null &
demo1=$!
DEMO_PGIDS+=("$demo1")
if ! wait_line "$log1" '^The demo is running' 60; then
    bad "the demo started (log below)"; sed 's/^/     | /' "$log1"
else
    ok "the demo started, connected the store and printed the commands to try"
    parse_demo "$log1"
    check "it printed its PIDs, socket, sandbox URL and store ($PIDS)" \
        test -n "$PIDS" -a -n "$SOCKET" -a -n "$SANDBOX_URL" -a -n "$STORE_HASH" -a -n "$WORK"
    check "the client secret file is private (0600)" test "$(stat -c %a "$WORK/bigcommerce-client-secret" 2>/dev/null)" = 600
    check "every command to try names the demo's socket" \
        bash -c '[ "$(grep -cE "dropstreamctl (status|store show demo|orders list|queue claim --worker me --limit 1|orders ship ID --tracking [^ ]+ --carrier ups) --socket $1\$" "$2")" -ge 5 ]' _ "$SOCKET" "$log1"

    store=$("$CTL" store show demo --socket "$SOCKET" --json 2>/dev/null)
    check "store 'demo' is active with a stored credential" \
        test "$(printf '%s' "$store" | json 'd["state"] + " " + str(d["has_credential"])' 2>/dev/null)" = "active True"
    check "its history shows it was authorized by the store's OAuth callback" \
        test "$(printf '%s' "$store" | json 'any(e["kind"] == "authorized" and e["actor"] == "store" for e in d.get("history", []))' 2>/dev/null)" = True
    check "the sandbox reports the app installed on store $STORE_HASH (it issued the token through OAuth)" \
        test "$(curl -sS --max-time 5 "$SANDBOX_URL/_sandbox/v1/stores" | json "[s['installed'] for s in d if s['hash'] == '$STORE_HASH'][0]" 2>/dev/null)" = True

    # An order the feeder created after the store was connected reaches the queue.
    fed_in_queue() {
        [ -s "$WORK/feeder.ids" ] || return 1
        "$CTL" orders list --socket "$SOCKET" --limit 500 --json 2>/dev/null | python3 -c '
import json, sys
queued = {o["store_order_id"] for o in json.load(sys.stdin)["orders"]}
fed = {l.strip() for l in open(sys.argv[1]) if l.strip()}
sys.exit(0 if queued & fed else 1)' "$WORK/feeder.ids"
    }
    arrived=1
    for i in $(seq 1 60); do fed_in_queue && { arrived=0; break; }; sleep 0.25; done
    check "at least one order reached the queue, including one created by the feeder while the demo ran" test "$arrived" = 0

    # The commands the demo prints work against its daemon (the demo's worker claims too: retry
    # until an order is ready).
    claimed=""
    for i in $(seq 1 40); do
        claimed=$("$CTL" queue claim --worker smoke --limit 1 --socket "$SOCKET" --json 2>/dev/null | json 'd["orders"][0]["id"]' 2>/dev/null)
        [ -z "$claimed" ] || break
        sleep 0.25
    done
    check "queue claim --worker smoke --limit 1 handed out an order ($claimed)" test -n "$claimed"
    if [ -n "$claimed" ]; then
        shipped=$("$CTL" orders ship "$claimed" --tracking 1Z999AA10123456784 --carrier ups --socket "$SOCKET" 2>&1); src=$?
        check "orders ship $claimed --tracking 1Z999AA10123456784 --carrier ups succeeded" test "$src" = 0
        [ "$src" = 0 ] || echo "$shipped" | sed 's/^/     | /'
        pushed=1
        for i in $(seq 1 40); do
            curl -sS --max-time 5 "$SANDBOX_URL/_sandbox/v1/stores/$STORE_HASH/shipments" 2>/dev/null | grep -q 1Z999AA10123456784 && { pushed=0; break; }
            sleep 0.25
        done
        check "the shipment was pushed to the sandbox store" test "$pushed" = 0
    fi

    # The worker: it claims and ships by itself, and the store shows the order Shipped.
    worker_shipped() { grep -Eq '^[0-9:]{8} .* worker shipped #[0-9]+ \(DEMO[0-9]+\)' "$log1"; }
    store_shipped() { grep -Eq '^[0-9:]{8} .* store: #[0-9]+ Shipped, shipment [0-9]+ \(DEMO[0-9]+\)' "$log1"; }
    wait_line "$log1" ' worker claimed #[0-9]+' 20
    check "the demo's worker claimed an order by itself" grep -Eq '^[0-9:]{8} .* worker claimed #[0-9]+' "$log1"
    wait_line "$log1" ' worker shipped #[0-9]+' 20
    check "the worker shipped it with a made-up tracking number" worker_shipped
    wait_line "$log1" ' store: #[0-9]+ Shipped' 20
    check "a status line shows the order Shipped in the store with the sandbox's shipment" store_shipped
    tracking=$(sed -n 's/.* store: #[0-9]* Shipped, shipment [0-9]* (\(DEMO[0-9]*\)).*/\1/p' "$log1" | head -n1)
    check "the sandbox store has that shipment ($tracking)" \
        bash -c '[ -n "$1" ] && curl -sS --max-time 5 "$2" | grep -q "\"$1\""' _ "$tracking" "$SANDBOX_URL/_sandbox/v1/stores/$STORE_HASH/shipments"
    worker_order=$(sed -n 's/^claimed \([0-9]*\) .*/\1/p' "$WORK/worker.log" 2>/dev/null | head -n1)
    check "the worker's order shows worker:demo-worker claiming and shipping it (order $worker_order)" \
        bash -c '[ -n "$1" ] && "$2" orders show "$1" --socket "$3" --json | python3 -c "
import json, sys
d = json.load(sys.stdin)
kinds = [(e[\"kind\"], e[\"actor\"]) for e in d[\"events\"]]
sys.exit(0 if (\"claimed\", \"worker:demo-worker\") in kinds and (\"shipped\", \"worker:demo-worker\") in kinds else 1)"' \
        _ "$worker_order" "$CTL" "$SOCKET"

    if wait_exit "$demo1" $((DURATION + 30)); then
        check "it stopped by itself after DEMO_DURATION with exit status 0 (got $RC)" test "$RC" = 0
    else
        bad "it stopped by itself within DEMO_DURATION + 30 s"
        kill -TERM -- "-$demo1" 2>/dev/null; wait_exit "$demo1" 15
    fi
    check "its status lines showed orders in the queue" grep -Eq '^[0-9:]{8} +[0-9]+ +[0-9]+ .* [1-9][0-9]*( |$)' "$log1"
    check "it said goodbye" grep -q '^Goodbye' "$log1"
    check "no demo process is left running (pids $demo1 $PIDS)" all_gone "$demo1" $PIDS
    check "nothing is left in its process group $demo1" group_empty "$demo1"
    check "its temporary directory $WORK is removed" test ! -e "$WORK"
fi

# ---------------------------------------------------------------------------------------------
echo "== run 2: Ctrl-C, DEMO_WORKER=0"
log2="$t/run2.log"
DEMO_WORKER=0 DEMO_WORKER_EVERY=1 scripts/demo.sh >"$log2" 2>&1 </dev/null &
demo2=$!
DEMO_PGIDS+=("$demo2")
if ! wait_line "$log2" '^[0-9]{2}:[0-9]{2}:[0-9]{2} ' 60; then
    bad "the second demo started (log below)"; sed 's/^/     | /' "$log2"
else
    parse_demo "$log2"
    check "with DEMO_WORKER=0 it says the worker is off" grep -q 'worker off)' "$log2"
    sleep 3   # three of DEMO_WORKER_EVERY=1: a worker, were there one, would have claimed
    check "and nothing claims orders by itself" bash -c '! grep -q "worker claimed" "$1" && [ "$("$2" status --socket "$3" --json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"orders_by_state\"][\"claimed\"])")" = 0 ]' _ "$log2" "$CTL" "$SOCKET"
    kill -INT -- "-$demo2"     # the whole process group, as a terminal's Ctrl-C
    if wait_exit "$demo2" 20; then
        ok "Ctrl-C stopped it (exit status $RC)"
    else
        bad "Ctrl-C stopped it within 20 s"
        kill -TERM -- "-$demo2" 2>/dev/null; wait_exit "$demo2" 15
    fi
    check "it said goodbye after the interrupt" grep -q "^Goodbye" "$log2"
    check "no demo process is left running after Ctrl-C (pids $demo2 $PIDS)" all_gone "$demo2" $PIDS
    check "nothing is left in its process group $demo2" group_empty "$demo2"
    check "its temporary directory $WORK is removed" test ! -e "$WORK"
fi

if [ "$failed" -gt 0 ]; then
    for f in "$log1" "$log2"; do [ -f "$f" ] && { echo "--- $(basename "$f")"; sed 's/^/     | /' "$f"; }; done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
