#!/usr/bin/env bash
# Installs (or uninstalls) DropStream into $DESTDIR$PREFIX. Called by `make install`,
# `make uninstall` and scripts/build-deb.sh (which stages the package tree with it).
#
#   BIN=<dir with dropstreamd and dropstreamctl> PREFIX=/usr DESTDIR= scripts/install.sh install
#   PREFIX=/usr DESTDIR= scripts/install.sh uninstall
#
# Layout (PREFIX=/usr):
#   /usr/bin/dropstreamd, /usr/bin/dropstreamctl                      0755
#   /usr/lib/systemd/system/dropstreamd.service                       0644 (ExecStart follows PREFIX)
#   /usr/lib/sysusers.d/dropstream.conf, /usr/lib/tmpfiles.d/dropstream.conf  0644
#   /usr/share/man/man8/dropstreamd.8.gz, /usr/share/man/man1/dropstreamctl.1.gz  0644
#   /usr/share/bash-completion/completions/dropstreamctl              0644
#   /usr/share/zsh/vendor-completions/_dropstreamctl                  0644 (site-functions off /usr)
#   /usr/share/fish/vendor_completions.d/dropstreamctl.fish           0644
#   $SYSCONFDIR/dropstream/dropstreamd.yaml                           0644, never overwritten:
#       an existing, different file stays and the new default goes next to it as .yaml.new.
set -euo pipefail
cd "$(dirname "$0")/.."

action="${1:-install}"
PREFIX="${PREFIX:-/usr}"
PREFIX="${PREFIX%/}"
DESTDIR="${DESTDIR:-}"
DESTDIR="${DESTDIR%/}"
SYSCONFDIR="${SYSCONFDIR:-/etc}"
if [ -z "${ZSH_COMPLETION_DIR:-}" ]; then
    # Debian's zsh reads vendor-completions under /usr; elsewhere site-functions is the norm.
    if [ "$PREFIX" = /usr ]; then ZSH_COMPLETION_DIR="$PREFIX/share/zsh/vendor-completions"
    else ZSH_COMPLETION_DIR="$PREFIX/share/zsh/site-functions"; fi
fi
VERSION="${VERSION:-$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/DropStreamControl/DropStreamVersion.swift)}"

bindir="$PREFIX/bin"
unitdir="$PREFIX/lib/systemd/system"
sysusersdir="$PREFIX/lib/sysusers.d"
tmpfilesdir="$PREFIX/lib/tmpfiles.d"
man1dir="$PREFIX/share/man/man1"
man8dir="$PREFIX/share/man/man8"
bashcompdir="$PREFIX/share/bash-completion/completions"
fishcompdir="$PREFIX/share/fish/vendor_completions.d"
confdir="$SYSCONFDIR/dropstream"

installed_files=(
    "$bindir/dropstreamd"
    "$bindir/dropstreamctl"
    "$unitdir/dropstreamd.service"
    "$sysusersdir/dropstream.conf"
    "$tmpfilesdir/dropstream.conf"
    "$man8dir/dropstreamd.8.gz"
    "$man1dir/dropstreamctl.1.gz"
    "$bashcompdir/dropstreamctl"
    "$ZSH_COMPLETION_DIR/_dropstreamctl"
    "$fishcompdir/dropstreamctl.fish"
)

say() { printf '%s\n' "$*"; }

do_install() {
    : "${BIN:?set BIN to the directory holding the built dropstreamd and dropstreamctl}"
    for b in dropstreamd dropstreamctl; do
        [ -x "$BIN/$b" ] || { say "install: $BIN/$b is missing: build first" >&2; exit 1; }
        # A stale binary from another checkout would silently ship the wrong version.
        got=$("$BIN/$b" --version 2>/dev/null || true)
        [ "$got" = "$VERSION" ] || { say "install: $BIN/$b --version says '$got', the source says '$VERSION': rebuild" >&2; exit 1; }
    done

    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT

    install -d -m 0755 "$DESTDIR$bindir"
    install -m 0755 "$BIN/dropstreamd" "$BIN/dropstreamctl" "$DESTDIR$bindir/"

    # The unit names /usr/bin/dropstreamd; keep it pointing at the binary we install.
    sed -e "s|^ExecStart=/usr/bin/dropstreamd|ExecStart=$bindir/dropstreamd|" \
        -e "s|/usr/lib/systemd/system/|$unitdir/|" \
        systemd/dropstreamd.service > "$work/dropstreamd.service"
    grep -q "^ExecStart=$bindir/dropstreamd\( \|$\)" "$work/dropstreamd.service" \
        || { say "install: could not point ExecStart= at $bindir/dropstreamd" >&2; exit 1; }
    install -D -m 0644 "$work/dropstreamd.service" "$DESTDIR$unitdir/dropstreamd.service"
    install -D -m 0644 systemd/dropstream.sysusers "$DESTDIR$sysusersdir/dropstream.conf"
    install -D -m 0644 systemd/dropstream.tmpfiles "$DESTDIR$tmpfilesdir/dropstream.conf"

    # Man pages from the commands' own help, so they list every subcommand this build has.
    scripts/gen-manpage.py "$BIN/dropstreamd" 8 --version "$VERSION" -o "$work/dropstreamd.8"
    scripts/gen-manpage.py "$BIN/dropstreamctl" 1 --version "$VERSION" -o "$work/dropstreamctl.1"
    gzip -9n "$work/dropstreamd.8" "$work/dropstreamctl.1"
    install -D -m 0644 "$work/dropstreamd.8.gz" "$DESTDIR$man8dir/dropstreamd.8.gz"
    install -D -m 0644 "$work/dropstreamctl.1.gz" "$DESTDIR$man1dir/dropstreamctl.1.gz"

    for shell in bash zsh fish; do
        "$BIN/dropstreamctl" --generate-completion-script "$shell" > "$work/completion.$shell"
        [ -s "$work/completion.$shell" ] || { say "install: empty $shell completion script" >&2; exit 1; }
    done
    # bash-completion sources the file: a #! line is meaningless there (lintian flags it).
    sed -i '1{/^#!/d}' "$work/completion.bash"
    install -D -m 0644 "$work/completion.bash" "$DESTDIR$bashcompdir/dropstreamctl"
    install -D -m 0644 "$work/completion.zsh" "$DESTDIR$ZSH_COMPLETION_DIR/_dropstreamctl"
    install -D -m 0644 "$work/completion.fish" "$DESTDIR$fishcompdir/dropstreamctl.fish"

    # The configuration is the operator's: never overwrite it.
    install -d -m 0755 "$DESTDIR$confdir"
    conf="$DESTDIR$confdir/dropstreamd.yaml"
    if [ ! -e "$conf" ]; then
        install -m 0644 etc/dropstream/dropstreamd.yaml "$conf"
        say "Installed the default configuration $confdir/dropstreamd.yaml"
    elif cmp -s etc/dropstream/dropstreamd.yaml "$conf"; then
        say "$confdir/dropstreamd.yaml is already the default: left as is"
    else
        install -m 0644 etc/dropstream/dropstreamd.yaml "$conf.new"
        say "Kept your $confdir/dropstreamd.yaml; the new default is $confdir/dropstreamd.yaml.new (compare: diff -u $confdir/dropstreamd.yaml $confdir/dropstreamd.yaml.new)"
    fi

    say "Installed DropStream $VERSION under ${DESTDIR:-}$PREFIX"
    if [ -z "$DESTDIR" ]; then
        say "Next: systemd-sysusers dropstream.conf && systemd-tmpfiles --create dropstream.conf && systemctl daemon-reload"
        say "      then put the credentials in $confdir/credentials and edit $confdir/dropstreamd.yaml (see the README's Install section)"
    fi
}

do_uninstall() {
    for f in "${installed_files[@]}"; do
        if [ -e "$DESTDIR$f" ] || [ -L "$DESTDIR$f" ]; then
            rm -f "$DESTDIR$f"
            say "removed $DESTDIR$f"
        fi
    done
    say "Left in place: $DESTDIR$confdir (configuration and credentials), /var/lib/dropstream (the database), the dropstream user."
    if [ -z "$DESTDIR" ]; then
        say "Stop the service first if it runs: systemctl disable --now dropstreamd; then systemctl daemon-reload"
    fi
}

case "$action" in
    install) do_install ;;
    uninstall) do_uninstall ;;
    *) say "usage: $0 install|uninstall" >&2; exit 64 ;;
esac
