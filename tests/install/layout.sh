#!/bin/bash
# layout.sh BUILD_DIR VERSION HAVE_REPORT - installs the build tree with
# DESTDIR into a temporary directory (prefix /usr) and checks every file of
# the layout and its mode; then that a second install keeps a modified
# /etc/tbmon/tbmond.conf.
set -euo pipefail
build=$1 version=$2 have_report=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
fail=0
bad() { echo "FAIL: $*"; fail=1; }

install_tree() {
	DESTDIR=$dest cmake --install "$build" --prefix /usr >"$tmp/install.log" 2>&1 ||
	    { cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }
}

# expect PATH MODE: a regular file (or directory with MODE d...) and its mode
expect() {
	local path=$1 mode=$2 got
	if [ ! -e "$dest$path" ]; then
		bad "$path is missing"
		return
	fi
	got=$(stat -c %a "$dest$path")
	[ "$got" = "$mode" ] || bad "$path has mode $got, expected $mode"
}

install_tree

expect /usr/sbin/tbmond 755
expect /usr/sbin/tbm-notify 755
expect /usr/lib/systemd/system/tbm-notify.service 644
expect /usr/bin/tbmctl 755
expect /usr/bin/tbm-sim 755
expect /usr/lib/systemd/system/tbmond.service 644
expect /usr/lib/systemd/system/tbm-collect.service 644
expect /usr/bin/tbm-collect 755
expect /usr/share/doc/tbmon/examples/collect.conf 644
expect /usr/share/bash-completion/completions/tbm-collect 644
expect /usr/lib/sysusers.d/tbmon.conf 644
expect /usr/lib/tmpfiles.d/tbmon.conf 644
expect /usr/share/doc/tbmon/examples/tbmond.conf 644
expect /usr/share/doc/tbmon/examples/base.sim 644
expect /etc/tbmon/tbmond.conf 644
expect /etc/tbmon/devices.d 755
expect /usr/share/bash-completion/completions/tbmctl 644
for page in man8/tbmond.8 man5/tbmond.conf.5 man1/tbmctl.1 man1/tbm-report.1 man1/tbm-sim.1 man8/tbm-notify.8 man8/tbm-collect.8; do
	expect /usr/share/man/$page.gz 644
done
if [ -x "$build/tools/tbm-web/tbm-web" ]; then
	expect /usr/sbin/tbm-web 755
	expect /usr/lib/systemd/system/tbm-web.service 644
	expect /usr/share/man/man8/tbm-web.8.gz 644
fi
if [ "$have_report" = 1 ]; then
	expect /usr/bin/tbm-report 755
	expect /usr/share/bash-completion/completions/tbm-report 644
fi
[ -d "$dest/etc/tbmon/devices.d" ] || bad "/etc/tbmon/devices.d is not a directory"
[ -z "$(ls -A "$dest/etc/tbmon/devices.d" 2>/dev/null)" ] || bad "/etc/tbmon/devices.d is not empty"
cmp -s "$dest/etc/tbmon/tbmond.conf" "$dest/usr/share/doc/tbmon/examples/tbmond.conf" ||
    bad "/etc/tbmon/tbmond.conf is not the example"

# Nothing outside /usr and /etc, nothing world-writable, nothing under the
# configure-time prefix.
outside=$(cd "$dest" && find . -mindepth 1 -maxdepth 1 ! -name usr ! -name etc)
[ -z "$outside" ] || bad "installed outside /usr and /etc: $outside"
ww=$(find "$dest" -perm -0002 ! -type l)
[ -z "$ww" ] || bad "world-writable: $ww"
[ ! -e "$dest/usr/local" ] || bad "files under /usr/local"

# The unit: generated with the install-time paths, every placeholder filled.
unit=$dest/usr/lib/systemd/system/tbmond.service
if [ -f "$unit" ]; then
	grep -q '@[A-Z_]*@' "$unit" && bad "unit has unfilled placeholders: $(grep '@[A-Z_]*@' "$unit")"
	for line in 'Type=notify' 'NotifyAccess=main' 'WatchdogSec=30s' \
	    'ExecStartPre=/usr/sbin/tbmond -n -c /etc/tbmon/tbmond.conf' \
	    'ExecStart=/usr/sbin/tbmond -c /etc/tbmon/tbmond.conf' \
	    'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure' 'User=tbmon' \
	    'Group=tbmon' 'SupplementaryGroups=dialout' 'StateDirectory=tbmon' \
	    'ConfigurationDirectory=tbmon' 'ProtectSystem=strict' 'NoNewPrivileges=yes' \
	    'CapabilityBoundingSet=' 'SystemCallFilter=@system-service' \
	    'DeviceAllow=char-ttyUSB rw' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'; do
		grep -qxF -- "$line" "$unit" || bad "unit lacks '$line'"
	done
fi
grep -q '^u tbmon ' "$dest/usr/lib/sysusers.d/tbmon.conf" || bad "sysusers.d does not create user tbmon"
grep -q '^d /var/lib/tbmon 0750 tbmon tbmon' "$dest/usr/lib/tmpfiles.d/tbmon.conf" ||
    bad "tmpfiles.d does not create /var/lib/tbmon"
grep -q '^d /etc/tbmon/devices.d ' "$dest/usr/lib/tmpfiles.d/tbmon.conf" ||
    bad "tmpfiles.d does not create /etc/tbmon/devices.d"

# The installed programs run and are this version.
v=$("$dest/usr/sbin/tbmond" -V) || bad "tbmond -V failed"
[ "$v" = "tbmond $version" ] || bad "tbmond -V says '$v'"
"$dest/usr/bin/tbmctl" --help >/dev/null || bad "tbmctl --help failed"
"$dest/usr/bin/tbm-sim" --help >/dev/null || bad "tbm-sim --help failed"
[ "$have_report" = 1 ] && { "$dest/usr/bin/tbm-report" --help >/dev/null || bad "tbm-report --help failed"; }

# A second install never overwrites an administrator's configuration.
echo "# changed by the administrator" >>"$dest/etc/tbmon/tbmond.conf"
chmod 0640 "$dest/etc/tbmon/tbmond.conf"
touch "$dest/etc/tbmon/devices.d/10-cnc.conf"
install_tree
tail -1 "$dest/etc/tbmon/tbmond.conf" | grep -qx "# changed by the administrator" ||
    bad "a second install overwrote the modified /etc/tbmon/tbmond.conf"
[ "$(stat -c %a "$dest/etc/tbmon/tbmond.conf")" = 640 ] || bad "a second install changed the config's mode"
[ -e "$dest/etc/tbmon/devices.d/10-cnc.conf" ] || bad "a second install removed a devices.d file"
grep -q "Keeping: .*/etc/tbmon/tbmond.conf" "$tmp/install.log" || bad "the second install did not say it kept the config"

[ $fail = 0 ] && echo "install layout OK ($(find "$dest" -type f | wc -l) files)"
exit $fail
