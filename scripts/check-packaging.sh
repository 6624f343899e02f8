#!/usr/bin/env bash
# Checks `make install` and `make deb` from the DEBUG build (CI never needs a release build):
#   - make install DESTDIR=tmp PREFIX=/usr lays out every file with the right mode, the unit's
#     ExecStart follows PREFIX (also PREFIX=/usr/local), man pages cover every subcommand,
#     completions exist, an existing configuration is never overwritten (.yaml.new beside it),
#     make uninstall removes the files and keeps the configuration;
#   - the .deb's control fields, conffiles, file list, modes and owners, and its maintainer
#     scripts, run against stub systemctl/systemd-sysusers/systemd-tmpfiles: users created,
#     never enabled or started, stopped on remove, state purged only with care.
# Runs as part of `make test`; prints "N passed, M failed" last and fails if M > 0.
set -uo pipefail
cd "$(dirname "$0")/.."
: "${BIN:?set BIN to the debug build bin path}"
MAKE="${MAKE:-make}"
# make test has just built the debug binaries: install them as they are (SKIP_BUILD), and pass
# BIN so the recursive makes do not ask swift for the bin path again.
MAKEARGS=(--no-print-directory BUILD_CONFIG=debug SKIP_BUILD=1 BIN="$BIN")

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION COMMAND...
    local what="$1"; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
mode_is() { [ "$(stat -c %a "$1" 2>/dev/null)" = "$2" ]; }

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

VERSION=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/DropStreamControl/DropStreamVersion.swift)
ARCH=$(dpkg --print-architecture)

# Files make install lays out under PREFIX=/usr, with their modes.
expected=(
    "usr/bin/dropstreamd 755"
    "usr/bin/dropstreamctl 755"
    "usr/lib/systemd/system/dropstreamd.service 644"
    "usr/lib/sysusers.d/dropstream.conf 644"
    "usr/lib/tmpfiles.d/dropstream.conf 644"
    "usr/share/man/man8/dropstreamd.8.gz 644"
    "usr/share/man/man1/dropstreamctl.1.gz 644"
    "usr/share/bash-completion/completions/dropstreamctl 644"
    "usr/share/zsh/vendor-completions/_dropstreamctl 644"
    "usr/share/fish/vendor_completions.d/dropstreamctl.fish 644"
    "etc/dropstream/dropstreamd.yaml 644"
)

# Subcommand paths the binaries have right now ("status", "store add", ...), the help one aside.
subcommands_of() {
    "$1" --experimental-dump-help | python3 -c '
import json, sys
def walk(cmd, path):
    for sub in cmd.get("subcommands") or []:
        if sub.get("commandName") == "help" and sub.get("abstract") == "Show subcommand help information.":
            continue
        if not sub.get("shouldDisplay", True):
            continue
        p = path + [sub["commandName"]]
        print(" ".join(p))
        walk(sub, p)
walk(json.load(sys.stdin)["command"], [])'
}

echo "== make install DESTDIR=… PREFIX=/usr (debug build)"
root="$t/install"
if "$MAKE" "${MAKEARGS[@]}" install PREFIX=/usr DESTDIR="$root" >"$t/install.log" 2>&1; then
    ok "make install succeeds"
else
    bad "make install succeeds"; cat "$t/install.log"
fi
for entry in "${expected[@]}"; do
    set -- $entry
    check "installed /$1 mode $2" mode_is "$root/$1" "$2"
done
check "installed binaries are the built ones" cmp -s "$BIN/dropstreamd" "$root/usr/bin/dropstreamd"
check "PREFIX=/usr installs the unit unchanged" cmp -s systemd/dropstreamd.service "$root/usr/lib/systemd/system/dropstreamd.service"
check "unit ExecStart=/usr/bin/dropstreamd" grep -qx 'ExecStart=/usr/bin/dropstreamd' "$root/usr/lib/systemd/system/dropstreamd.service"
check "installed config is the default" cmp -s etc/dropstream/dropstreamd.yaml "$root/etc/dropstream/dropstreamd.yaml"
check "no .yaml.new on a first install" test ! -e "$root/etc/dropstream/dropstreamd.yaml.new"
check "dropstreamd.8 is a section-8 page" sh -c "zcat '$root/usr/share/man/man8/dropstreamd.8.gz' | grep -q '^\.TH \"DROPSTREAMD\" \"8\"'"
check "dropstreamctl.1 is a section-1 page" sh -c "zcat '$root/usr/share/man/man1/dropstreamctl.1.gz' | grep -q '^\.TH \"DROPSTREAMCTL\" \"1\"'"
zcat "$root/usr/share/man/man1/dropstreamctl.1.gz" > "$t/dropstreamctl.1"
subs=$(subcommands_of "$BIN/dropstreamctl")
check "dropstreamctl has subcommands to document" test -n "$subs"
while IFS= read -r sub; do
    [ -n "$sub" ] || continue
    heading=".SS \"dropstreamctl $(printf '%s' "$sub" | sed 's/-/\\\\-/g')\""
    check "dropstreamctl.1 documents 'dropstreamctl $sub'" grep -qF "$heading" "$t/dropstreamctl.1"
done <<< "$subs"
if command -v groff >/dev/null 2>&1; then
    check "dropstreamctl.1 renders without troff warnings" sh -c "groff -man -Tutf8 -ww -z '$t/dropstreamctl.1' 2>&1 | (! grep -q .)"
fi
check "bash completion has no #! line" sh -c "! head -n1 '$root/usr/share/bash-completion/completions/dropstreamctl' | grep -q '^#!'"
check "bash completion is for dropstreamctl" grep -q '_dropstreamctl' "$root/usr/share/bash-completion/completions/dropstreamctl"
check "zsh completion is a #compdef" grep -q '^#compdef dropstreamctl' "$root/usr/share/zsh/vendor-completions/_dropstreamctl"
check "fish completion completes dropstreamctl" grep -Eq "complete -c '?dropstreamctl" "$root/usr/share/fish/vendor_completions.d/dropstreamctl.fish"

echo "== make install again over an edited configuration"
printf '# edited by the operator\n' >> "$root/etc/dropstream/dropstreamd.yaml"
cp "$root/etc/dropstream/dropstreamd.yaml" "$t/edited.yaml"
"$MAKE" "${MAKEARGS[@]}" install PREFIX=/usr DESTDIR="$root" >"$t/install2.log" 2>&1
check "the edited configuration is kept" cmp -s "$t/edited.yaml" "$root/etc/dropstream/dropstreamd.yaml"
check "the new default goes to dropstreamd.yaml.new" cmp -s etc/dropstream/dropstreamd.yaml "$root/etc/dropstream/dropstreamd.yaml.new"
check "make install says so" grep -q 'dropstreamd.yaml.new' "$t/install2.log"

echo "== make uninstall"
"$MAKE" "${MAKEARGS[@]}" uninstall PREFIX=/usr DESTDIR="$root" >"$t/uninstall.log" 2>&1
left=$(cd "$root" && find usr -type f | sort)
check "make uninstall removes every installed file" test -z "$left"
check "make uninstall keeps the configuration" cmp -s "$t/edited.yaml" "$root/etc/dropstream/dropstreamd.yaml"

echo "== make install PREFIX=/usr/local"
local_root="$t/local"
"$MAKE" "${MAKEARGS[@]}" install PREFIX=/usr/local DESTDIR="$local_root" >"$t/install3.log" 2>&1
check "PREFIX=/usr/local: unit under /usr/local/lib/systemd/system" test -f "$local_root/usr/local/lib/systemd/system/dropstreamd.service"
check "PREFIX=/usr/local: ExecStart=/usr/local/bin/dropstreamd" grep -qx 'ExecStart=/usr/local/bin/dropstreamd' "$local_root/usr/local/lib/systemd/system/dropstreamd.service"
check "PREFIX=/usr/local: binaries in /usr/local/bin" test -x "$local_root/usr/local/bin/dropstreamd"
check "PREFIX=/usr/local: config still in /etc" test -f "$local_root/etc/dropstream/dropstreamd.yaml"
check "PREFIX=/usr/local: zsh completion in site-functions" test -f "$local_root/usr/local/share/zsh/site-functions/_dropstreamctl"

echo "== make deb BUILD_CONFIG=debug"
if "$MAKE" "${MAKEARGS[@]}" deb DIST="$t/dist" >"$t/deb.log" 2>&1; then
    ok "make deb succeeds"
else
    bad "make deb succeeds"; cat "$t/deb.log"
fi
deb="$t/dist/dropstream_${VERSION}-1_${ARCH}.deb"
check "package is named dropstream_${VERSION}-1_${ARCH}.deb" test -f "$deb"

field() { dpkg-deb --field "$deb" "$1" 2>/dev/null; }
check "control: Package dropstream" test "$(field Package)" = dropstream
check "control: Version ${VERSION}-1 (from the source)" test "$(field Version)" = "${VERSION}-1"
check "control: Architecture $ARCH" test "$(field Architecture)" = "$ARCH"
check "control: Maintainer set" test -n "$(field Maintainer)"
check "control: Installed-Size is a number" sh -c "[ '$(field Installed-Size)' -gt 0 ]"
check "control: Section and Priority" test -n "$(field Section)" -a "$(field Priority)" = optional
check "control: Description has a synopsis and a body" test "$(field Description | wc -l)" -gt 2
depends=$(field Depends)
for dep in libc6 libsystemd0 libsqlite3-0 systemd; do
    check "control: Depends names $dep" sh -c "printf '%s\n' '$depends' | tr ',' '\n' | sed 's/^ *//' | grep -q '^$dep\( \|$\)'"
done
check "control: Depends has no Swift runtime" sh -c "! printf '%s' '$depends' | grep -qi swift"
check "dpkg-deb --info lists the control files" sh -c "dpkg-deb --info '$deb' | grep -q conffiles"

ctl="$t/control"
dpkg-deb --control "$deb" "$ctl"
check "conffiles is exactly /etc/dropstream/dropstreamd.yaml" test "$(cat "$ctl/conffiles")" = /etc/dropstream/dropstreamd.yaml
for script in postinst prerm postrm; do
    check "maintainer script $script is executable" test -x "$ctl/$script"
    check "maintainer script $script is valid sh" sh -n "$ctl/$script"
done
check "md5sums covers the binaries" grep -q ' usr/bin/dropstreamd$' "$ctl/md5sums"

dpkg-deb --contents "$deb" > "$t/contents"
deb_mode() { # deb_mode PATH -> the listing's permission string
    awk -v p="./$1" '$6 == p {print $1}' "$t/contents"
}
for entry in "${expected[@]}"; do
    set -- $entry
    want=$([ "$2" = 755 ] && echo -rwxr-xr-x || echo -rw-r--r--)
    check "deb has /$1 $want" test "$(deb_mode "$1")" = "$want"
done
check "deb ships the README" test -n "$(deb_mode usr/share/doc/dropstream/README.md.gz)"
check "deb ships changelog.Debian.gz" test "$(deb_mode usr/share/doc/dropstream/changelog.Debian.gz)" = -rw-r--r--
check "deb ships its lintian overrides" test -n "$(deb_mode usr/share/lintian/overrides/dropstream)"
check "deb files all root/root" sh -c "awk '{print \$2}' '$t/contents' | sort -u | grep -qx root/root && [ \$(awk '{print \$2}' '$t/contents' | sort -u | wc -l) = 1 ]"
check "deb directories are 0755" sh -c "! awk '\$1 ~ /^d/ && \$1 != \"drwxr-xr-x\"' '$t/contents' | grep -q ."
check "deb has nothing outside /usr and /etc" sh -c "! awk '{print \$6}' '$t/contents' | grep -v -e '^\./\$' -e '^\./usr/' -e '^\./etc/' | grep -q ."
dpkg-deb --extract "$deb" "$t/extracted"
check "deb unit: ExecStart=/usr/bin/dropstreamd" grep -qx 'ExecStart=/usr/bin/dropstreamd' "$t/extracted/usr/lib/systemd/system/dropstreamd.service"

echo "== maintainer scripts against stub systemd tools"
stubs="$t/stubs"; mkdir -p "$stubs"
for tool in systemctl deb-systemd-invoke systemd-sysusers systemd-tmpfiles; do
    printf '#!/bin/sh\necho "%s $*" >> "$CALLS"\n' "$tool" > "$stubs/$tool"
    chmod +x "$stubs/$tool"
done
# stat -c %U reports the owner the test asks for (no dropstream user exists here).
printf '#!/bin/sh\nif [ "$1" = -c ] && [ "$2" = %%U ]; then echo "${FAKE_OWNER:-root}"; else exec /usr/bin/stat "$@"; fi\n' > "$stubs/stat"
chmod +x "$stubs/stat"
fake="$t/fake"; mkdir -p "$fake/run/systemd/system"
# Copies of the scripts with the system paths moved under $fake; "systemd running" is either.
rewrite() { # rewrite SCRIPT RUNNING(yes|no) -> path of the rewritten copy
    local out="$t/$1.$2"
    local run_dir="$fake/run/systemd/system"
    [ "$2" = yes ] || run_dir="$fake/nonexistent"
    sed -e "s|/run/systemd/system|$run_dir|g" -e "s|/var/lib/dropstream|$fake/var/lib/dropstream|g" \
        -e "s|/etc/|$fake/etc/|g" "$ctl/$1" > "$out"
    chmod +x "$out"
    echo "$out"
}
run() { # run SCRIPT RUNNING ARGS... -> calls in $t/calls
    local script; script=$(rewrite "$1" "$2"); shift 2
    : > "$t/calls"
    CALLS="$t/calls" PATH="$stubs:$PATH" "$script" "$@" > "$t/script.out" 2>&1
}

check "postinst configure (first install, no systemd) succeeds" run postinst no configure
check "postinst creates the user with systemd-sysusers" grep -qx 'systemd-sysusers dropstream.conf' "$t/calls"
check "postinst applies tmpfiles" grep -qx 'systemd-tmpfiles --create dropstream.conf' "$t/calls"
check "postinst without systemd calls no systemctl" sh -c "! grep -Eq '^(systemctl|deb-systemd-invoke)' '$t/calls'"
check "postinst prints the next steps" grep -q 'systemctl enable --now dropstreamd' "$t/script.out"
check "postinst configure (first install, systemd running) succeeds" run postinst yes configure
check "postinst reloads systemd" grep -q '^systemctl --system daemon-reload' "$t/calls"
check "postinst never enables or starts the service" sh -c "! grep -Eq '^(systemctl|deb-systemd-invoke) .*(enable|start)' '$t/calls'"
check "postinst configure (upgrade) succeeds" run postinst yes configure 0.0.9-1
check "postinst on upgrade only try-restarts" sh -c "grep -qx 'deb-systemd-invoke try-restart dropstreamd.service' '$t/calls' && ! grep -Eq '^(systemctl|deb-systemd-invoke) .*(enable| start)' '$t/calls'"
check "prerm remove succeeds" run prerm yes remove
check "prerm remove stops the service" grep -qx 'deb-systemd-invoke stop dropstreamd.service' "$t/calls"
check "prerm upgrade succeeds" run prerm yes upgrade 0.1.1-1
check "prerm upgrade leaves the daemon running" sh -c "! grep -q . '$t/calls'"
check "postrm remove succeeds" run postrm yes remove
check "postrm remove reloads systemd" grep -q '^systemctl --system daemon-reload' "$t/calls"

state="$fake/var/lib/dropstream"
make_state() { rm -rf "$state" "$t/elsewhere"; mkdir -p "$state" "$fake/etc/dropstream/credentials"; echo db > "$state/dropstream.sqlite"; echo s > "$fake/etc/dropstream/credentials/token-key"; }
make_state
FAKE_OWNER=root run postrm no purge
check "purge leaves a state directory not owned by dropstream" test -f "$state/dropstream.sqlite"
check "purge removes the credentials" test ! -e "$fake/etc/dropstream/credentials"
make_state; rm -rf "$state"; mkdir -p "$t/elsewhere"; echo db > "$t/elsewhere/keep"; ln -s "$t/elsewhere" "$state"
FAKE_OWNER=dropstream run postrm no purge
check "purge does not follow a symlinked state directory" test -f "$t/elsewhere/keep"
make_state
FAKE_OWNER=dropstream DROPSTREAM_KEEP_STATE=1 run postrm no purge
check "purge keeps the state with DROPSTREAM_KEEP_STATE=1" test -f "$state/dropstream.sqlite"
make_state
FAKE_OWNER=dropstream run postrm no purge
check "purge removes a dropstream-owned state directory" test ! -e "$state"
check "purge removes the empty /etc/dropstream" test ! -e "$fake/etc/dropstream"

# lintian is not run here (it takes minutes); run it on a release package: lintian dist/*.deb

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
