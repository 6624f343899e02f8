#!/usr/bin/env bash
# Builds dist/dropstream_VERSION_ARCH.deb with dpkg-deb (no debhelper): stages the tree with
# scripts/install.sh (PREFIX=/usr), adds the control file, conffiles and the maintainer
# scripts from packaging/debian/, and computes Depends with dpkg-shlibdeps. Called by `make deb`.
#
#   BIN=<dir with the built binaries> [BUILD_CONFIG=release|debug] scripts/build-deb.sh OUTDIR
#
# BUILD_CONFIG=release (default) insists on binaries with the Swift runtime linked statically
# (swift build --static-swift-stdlib): a .deb cannot depend on the toolchain in /opt/swift.
# BUILD_CONFIG=debug accepts the dynamically linked debug build; such a package only runs where
# the Swift toolchain is installed and exists for the packaging test (scripts/check-packaging.sh).
# DEB_COMPRESSION (xz, gzip, zstd, none) defaults to xz (none for debug: the test wants speed).
set -euo pipefail
umask 022
cd "$(dirname "$0")/.."

out="${1:?usage: build-deb.sh OUTDIR}"
: "${BIN:?set BIN to the directory holding the built dropstreamd and dropstreamctl}"
BUILD_CONFIG="${BUILD_CONFIG:-release}"
MAINTAINER="${MAINTAINER:-DropStream maintainers <maintainers@users.noreply.r-seed-680310f6.example>}"
VERSION="$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/DropStreamControl/DropStreamVersion.swift)"
[ -n "$VERSION" ] || { echo "build-deb: cannot read the version from Sources/DropStreamControl/DropStreamVersion.swift" >&2; exit 1; }
# The Debian revision: -1 for a first packaging of an upstream version.
DEB_VERSION="${DEB_VERSION:-$VERSION-1}"
ARCH="$(dpkg --print-architecture)"
case "$BUILD_CONFIG" in
    release) COMPRESSION="${DEB_COMPRESSION:-xz}" ;;
    debug) COMPRESSION="${DEB_COMPRESSION:-none}" ;;
    *) echo "build-deb: BUILD_CONFIG must be release or debug" >&2; exit 64 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"
chmod 0755 "$root"

# 1. The tree, exactly as `make install PREFIX=/usr DESTDIR=...` lays it out.
BIN="$BIN" PREFIX=/usr SYSCONFDIR=/etc DESTDIR="$root" VERSION="$VERSION" scripts/install.sh install >/dev/null
install -d -m 0755 "$root/usr/share/doc/dropstream" "$root/usr/share/lintian/overrides"
gzip -9nc README.md > "$root/usr/share/doc/dropstream/README.md.gz"
# A one-entry Debian changelog (a non-native package must carry one), dated like the commit.
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
printf 'dropstream (%s) unstable; urgency=medium\n\n  * Built with make deb from commit %s.\n\n -- %s  %s\n' \
    "$DEB_VERSION" "$commit" "$MAINTAINER" "$(date -u -R -d "@$epoch")" | gzip -9n > "$root/usr/share/doc/dropstream/changelog.Debian.gz"
install -m 0644 packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/dropstream"
chmod 0644 "$root/usr/share/doc/dropstream/"*

binaries=("$root/usr/bin/dropstreamd" "$root/usr/bin/dropstreamctl")
if [ "$BUILD_CONFIG" = release ]; then
    # What dh_strip does: smaller package, same behaviour (Swift metadata lives in sections).
    strip --remove-section=.comment --remove-section=.note --strip-unneeded "${binaries[@]}"
    for b in "${binaries[@]}"; do
        [ "$("$b" --version)" = "$VERSION" ] || { echo "build-deb: $b does not run after strip" >&2; exit 1; }
    done
fi

# 2. The Swift runtime must be inside the binaries for a real package.
swift_runtime=$(for b in "${binaries[@]}"; do objdump -p "$b" | awk '/^ *NEEDED/ {print $2}'; done \
    | grep -E '^lib(swift|Foundation|_Foundation|dispatch|BlocksRuntime)' | sort -u || true)
shlibdeps_extra=()
if [ -n "$swift_runtime" ]; then
    if [ "$BUILD_CONFIG" = release ]; then
        echo "build-deb: the binaries link the Swift runtime dynamically ($(echo $swift_runtime)); build them with swift build --static-swift-stdlib (make build-release)" >&2
        exit 1
    fi
    shlibdeps_extra=(--ignore-missing-info)
fi

# 3. Depends: the shared libraries' packages and minimum versions (dpkg-shlibdeps reads the
# symbols/shlibs files of the installed libraries), plus systemd for the unit's directives
# (LoadCredential=, ProtectProc=, ProcSubset= need 247) and systemd-sysusers/-tmpfiles.
mkdir -p "$work/shlibs/debian"
printf 'Source: dropstream\n\nPackage: dropstream\nArchitecture: any\n' > "$work/shlibs/debian/control"
if ! shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O "${shlibdeps_extra[@]}" "${binaries[@]}" 2>"$work/shlibdeps.err"); then
    cat "$work/shlibdeps.err" >&2
    echo "build-deb: dpkg-shlibdeps failed" >&2
    exit 1
fi
depends=$(printf '%s\n' "$shlibs" | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
depends="$depends, systemd (>= 247)"
for required in libc6 libsystemd0 libsqlite3-0; do
    case ", $depends" in
        *", $required "*|*", $required,"*|*", $required") ;;
        *) echo "build-deb: expected $required in Depends, got: $depends" >&2; exit 1 ;;
    esac
done

description="order-sync daemon for BigCommerce stores"
extended=" dropstreamd pulls orders from connected BigCommerce stores into a local
 fulfillment queue (SQLite) and reports shipments back; dropstreamctl is its
 command line. It runs as the hardened systemd service dropstreamd.service
 under the system user dropstream.
 .
 Installing the package creates the user and the directories but neither
 enables nor starts the service: configure it first (see
 /usr/share/doc/dropstream/README.md.gz, section Install)."
if [ "$BUILD_CONFIG" = debug ]; then
    description="$description (debug build)"
    extended="$extended
 .
 This is a debug build linked against the Swift runtime in /opt/swift: for
 tests only."
fi

# 4. Control area.
mkdir -p "$root/DEBIAN"
installed_size=$(du -s -k --apparent-size --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<EOF
Package: dropstream
Version: $DEB_VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $installed_size
Depends: $depends
Section: admin
Priority: optional
Description: $description
$extended
EOF
# Every file under /etc is a conffile: dpkg keeps the operator's edits on upgrade.
(cd "$root" && find etc -type f | sed 's|^|/|' | sort) > "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's|  \./|  |') > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

# 5. The package: root-owned files without fakeroot.
mkdir -p "$out"
deb="$out/dropstream_${DEB_VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Z"$COMPRESSION" --build "$root" "$deb" >/dev/null
echo "$deb"
