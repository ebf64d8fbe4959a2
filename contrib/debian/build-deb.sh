#!/bin/sh
# Build a Debian package of bsbox: the binary, the policies, the man page,
# the proc-macro-server wrapper for editors and the AppArmor profile.
#
#   contrib/debian/build-deb.sh [OUTDIR]     (default OUTDIR: the source tree)
#
# Runs `make install DESTDIR=<staging> PREFIX=/usr` (so ./bsbox is rebuilt in
# the tree) and `dpkg-deb --build`; needs make, a C toolchain with the -dev
# packages of `make deps`, and dpkg-deb.  Prints the path of the .deb.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root}
version=$(sed -n 's/^VERSION := *//p' "$root/Makefile")
arch=$(dpkg --print-architecture)
[ -n "$version" ] || { echo "build-deb: no VERSION in $root/Makefile" >&2; exit 1; }

staging=$(mktemp -d "${TMPDIR:-/tmp}/bsbox-deb.XXXXXX")
trap 'rm -rf "$staging"' EXIT INT TERM

make -C "$root" install DESTDIR="$staging" PREFIX=/usr >&2
install -Dm755 "$root/contrib/editors/bsbox-proc-macro-srv" \
	"$staging/usr/share/bsbox/bsbox-proc-macro-srv"
install -Dm644 "$root/contrib/apparmor/bsbox" "$staging/etc/apparmor.d/bsbox"
install -d "$staging/usr/share/doc/bsbox"
install -m644 "$root/README.md" "$staging/usr/share/doc/bsbox/"
for f in "$root"/docs/*.md; do
	[ -e "$f" ] && install -m644 "$f" "$staging/usr/share/doc/bsbox/"
done
# Debian policy: man pages compressed, no timestamps in the gzip header
if [ -f "$staging/usr/share/man/man1/bsbox.1" ]; then
	gzip -9n "$staging/usr/share/man/man1/bsbox.1"
fi
strip --strip-unneeded "$staging/usr/bin/bsbox" 2>/dev/null || true

# Depends: the packages that ship the libraries the binary links (its NEEDED
# entries), so the list cannot fall behind the Makefile's (libbpf1 did)
depends=
for so in $(objdump -p "$staging/usr/bin/bsbox" | awk '$1 == "NEEDED" { print $2 }'); do
	pkg=$(dpkg -S "*/$so" 2>/dev/null | awk -F: -v a="$arch" '$2 == a { print $1; exit }')
	[ -n "$pkg" ] || pkg=$(dpkg -S "*/$so" 2>/dev/null | awk -F: 'NR == 1 { print $1 }')
	[ -n "$pkg" ] || { echo "build-deb: no package ships $so" >&2; exit 1; }
	case ", $depends, " in *", $pkg, "*) ;; *) depends=${depends:+$depends, }$pkg ;; esac
done

install -d "$staging/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$staging" | cut -f1)
cat >"$staging/DEBIAN/control" <<CONTROL
Package: bsbox
Version: $version
Architecture: $arch
Maintainer: bsbox developers <bsbox@invalid>
Installed-Size: $size
Depends: $depends
Section: devel
Priority: optional
Homepage: https://bsbox.invalid/
Description: confine cargo build scripts and proc macros in a sandbox
 bsbox runs every build script of a cargo build (RUSTC_WRAPPER=bsbox) and
 rust-analyzer's proc-macro server in a sandbox built from user namespaces,
 Landlock and seccomp: a per-crate policy says what it may read, write and
 execute; the network, the home directory and secrets stay out of reach, and
 every denial is logged and reported.
CONTROL
printf '/etc/apparmor.d/bsbox\n' >"$staging/DEBIAN/conffiles"
cat >"$staging/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
# Load the profile that grants bsbox user namespaces where AppArmor
# restricts them (Ubuntu >= 23.10); harmless elsewhere.
set -e
if [ "$1" = configure ] && command -v apparmor_parser >/dev/null 2>&1 &&
	[ -d /sys/kernel/security/apparmor ]; then
	apparmor_parser -r -T -W /etc/apparmor.d/bsbox || true
fi
POSTINST
cat >"$staging/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = remove ] && command -v apparmor_parser >/dev/null 2>&1 &&
	[ -d /sys/kernel/security/apparmor ] && [ -f /etc/apparmor.d/bsbox ]; then
	apparmor_parser -R /etc/apparmor.d/bsbox 2>/dev/null || true
fi
POSTRM
chmod 755 "$staging/DEBIAN/postinst" "$staging/DEBIAN/postrm"

deb="$out/bsbox_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$staging" "$deb" >&2
echo "$deb"
