#!/bin/bash
# deb.sh BUILD_DIR VERSION HAVE_REPORT - builds the Debian package from the
# build tree with cpack into a temporary directory and checks its control
# file (name, version, section, maintainer, Depends from dpkg-shlibdeps,
# conffiles, maintainer scripts) and its contents.
set -euo pipefail
build=$1 version=$2 have_report=$3
for tool in cpack dpkg-deb dpkg-shlibdeps objdump; do
	if ! command -v $tool >/dev/null; then
		# cpack comes with cmake, dpkg-shlibdeps with dpkg-dev, objdump with binutils
		echo "SKIP: $tool not found (apt-get install dpkg-dev binutils)"
		exit 77
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# cpack first brings the build tree up to date ("preinstall") in its working directory
if ! (cd "$build" && cpack -G DEB -B "$tmp" --config CPackConfig.cmake) >"$tmp/cpack.log" 2>&1; then
	cat "$tmp/cpack.log"
	echo "FAIL: cpack -G DEB"
	exit 1
fi
arch=$(dpkg --print-architecture)
deb=$tmp/tbmon_${version}_$arch.deb
if [ ! -f "$deb" ]; then
	ls "$tmp"
	echo "FAIL: no $deb"
	exit 1
fi
dpkg-deb -I "$deb"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = tbmon ] || bad "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || bad "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] || bad "Architecture: $(field Architecture)"
[ "$(field Section)" = admin ] || bad "Section: $(field Section)"
[ "$(field Maintainer)" = "tbmon maintainers" ] || bad "Maintainer: $(field Maintainer)"
# no pipes into head or grep -q here: under pipefail an early exit is a SIGPIPE failure
desc=$(field Description)
[[ "${desc%%$'\n'*}" == *"training bases"* ]] || bad "Description has no summary"
[ "$(printf '%s\n' "$desc" | wc -l)" -gt 3 ] || bad "Description has no long text"

# Depends: the libraries the programs are linked with, as dpkg-shlibdeps
# names them. Which ones depends on what is linked (ask the binaries).
depends=$(field Depends)
needs() {
	local pkg=$1
	echo "$depends" | tr ',' '\n' | sed 's/^ *//' | grep -q "^$pkg\( \|$\)" ||
	    bad "Depends lacks $pkg: $depends"
}
needed=$(for b in daemon/tbmond tools/tbmctl/tbmctl tools/tbm-sim/tbm-sim tools/tbm-report/tbm-report; do
	[ -f "$build/$b" ] && objdump -p "$build/$b" 2>/dev/null | awk '$1 == "NEEDED" { print $2 }'
done | sort -u)
needs libc6
for lib_pkg in libmodbus.so.5:libmodbus5 libsqlite3.so.0:libsqlite3-0 libsystemd.so.0:libsystemd0 \
    libmosquitto.so.1:libmosquitto1 libcjson.so.1:libcjson1 libinih.so.1:libinih1 \
    libcrypto.so.3:libssl3 libcsv.so.3:libcsv3 libxlsxwriter.so.4:libxlsxwriter4; do
	lib=${lib_pkg%%:*} pkg=${lib_pkg#*:}
	if echo "$needed" | grep -qxF "$lib"; then
		needs "$pkg"
	fi
done
# tbmond itself always links these
for lib in libmodbus.so.5 libsqlite3.so.0 libsystemd.so.0; do
	echo "$needed" | grep -qxF "$lib" || bad "tbmond is not linked with $lib"
done

# Control archive: conffiles and the maintainer scripts.
dpkg-deb -e "$deb" "$tmp/control"
[ "$(cat "$tmp/control/conffiles")" = /etc/tbmon/tbmond.conf ] ||
    bad "conffiles: $(cat "$tmp/control/conffiles")"
for s in postinst prerm postrm; do
	if [ ! -x "$tmp/control/$s" ]; then
		bad "no executable $s"
		continue
	fi
	sh -n "$tmp/control/$s" || bad "$s: syntax error"
done
grep -q 'systemd-sysusers tbmon.conf' "$tmp/control/postinst" || bad "postinst does not create the user"
grep -q 'systemd-tmpfiles --create tbmon.conf' "$tmp/control/postinst" || bad "postinst does not create the directories"
grep -q 'chown root:tbmon' "$tmp/control/postinst" || bad "postinst does not give the config to group tbmon"
grep -q 'chmod 0640' "$tmp/control/postinst" || bad "postinst does not make the config 0640"
grep -q 'daemon-reload' "$tmp/control/postinst" || bad "postinst does not reload systemd"
grep -q 'systemctl stop tbmond.service' "$tmp/control/prerm" || bad "prerm does not stop tbmond"
grep -q 'rm -rf /var/lib/tbmon' "$tmp/control/postrm" || bad "postrm does not remove /var/lib/tbmon"
# ... and only on purge: the line sits in the purge branch
awk '/"\$1" = purge/ { p = 1 } /rm -rf \/var\/lib\/tbmon/ && !p { exit 1 }' "$tmp/control/postrm" ||
    bad "postrm removes /var/lib/tbmon outside purge"

# Contents: the layout, owned by root.
dpkg-deb -c "$deb" >"$tmp/contents"
want=(./usr/sbin/tbmond ./usr/bin/tbmctl ./usr/bin/tbm-sim
	./usr/lib/systemd/system/tbmond.service ./usr/lib/sysusers.d/tbmon.conf
	./usr/lib/tmpfiles.d/tbmon.conf ./etc/tbmon/tbmond.conf ./etc/tbmon/devices.d/
	./usr/share/doc/tbmon/examples/tbmond.conf ./usr/share/bash-completion/completions/tbmctl
	./usr/share/man/man8/tbmond.8.gz ./usr/share/man/man5/tbmond.conf.5.gz
	./usr/share/man/man1/tbmctl.1.gz ./usr/share/man/man1/tbm-report.1.gz
	./usr/share/man/man1/tbm-sim.1.gz)
[ "$have_report" = 1 ] && want+=(./usr/bin/tbm-report ./usr/share/bash-completion/completions/tbm-report)
for f in "${want[@]}"; do
	awk '{ print $6 }' "$tmp/contents" | grep -qxF -- "$f" || bad "the package lacks $f"
done
awk '$2 != "root/root" { print; bad = 1 } END { exit bad }' "$tmp/contents" || bad "files not owned by root"
awk '$6 ~ /^\.\/usr\/s?bin\/./ && $1 != "-rwxr-xr-x" { print; bad = 1 } END { exit bad }' "$tmp/contents" ||
    bad "programs without mode 0755"
grep -q '/usr/local' "$tmp/contents" && bad "files under /usr/local"

# The packaged unit names the packaged daemon.
dpkg-deb -x "$deb" "$tmp/x"
grep -qx 'ExecStart=/usr/sbin/tbmond -c /etc/tbmon/tbmond.conf' "$tmp/x/usr/lib/systemd/system/tbmond.service" ||
    bad "the packaged unit does not run /usr/sbin/tbmond: $(grep ExecStart= "$tmp/x/usr/lib/systemd/system/tbmond.service")"

[ $fail = 0 ] && echo "package OK: $(basename "$deb"), Depends: $depends"
exit $fail
