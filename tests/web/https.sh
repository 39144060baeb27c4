#!/bin/bash
# https.sh - tbm-web's configuration checks (tbm-web -n: one clear line per
# bad [web] key), HTTPS with cert_file/key_file (Secure cookies, HSTS), and
# its limits on request headers, bodies and methods, with curl.
# Environment: TBMCTL, TBMWEB.
set -euo pipefail
: "${TBMCTL:?}" "${TBMWEB:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/tbmweb-test.XXXXXX")
WPID=""
trap '[ -n "$WPID" ] && kill "$WPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/web.log" ] && tail -20 "$T/web.log" >&2; exit 1; }
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

conf() { # conf WEB-LINES...: a configuration with these [web] lines
	{
		printf '[site]\nid = t\ntimezone = Asia/Shanghai\n[daemon]\ndatabase = t.db\n[web]\n'
		printf '%s\n' "$@"
	} >"$T/tbmond.conf"
}
refused() { # refused WANT WEB-LINES...: tbm-web -n exits 1 naming the problem
	local want=$1 rc=0
	shift
	conf "$@"
	"$TBMWEB" -n -c "$T/tbmond.conf" >"$T/out" 2>"$T/err" || rc=$?
	[ $rc -eq 1 ] || fail "tbm-web -n with '$*': exit $rc, want 1"
	grep -q -- "$want" "$T/err" || fail "tbm-web -n with '$*' does not say '$want': $(cat "$T/err")"
	echo "ok: refused: $(head -1 "$T/err")"
}
refused "the port must be 1-65535" "listen = 127.0.0.1:99999"
refused "expected HOST:PORT" "listen = localhost"
refused "must start with http:// or https://" "listen = :8080" "base_url = tbmon.example.org"
refused "cert_file and key_file go together" "cert_file = $T/none.crt"
refused "none.crt" "cert_file = $T/none.crt" "key_file = $T/none.key"
refused "session_idle" "session_idle = 1s"
refused "unknown key 'port' in \[web\]" "port = 8080"
refused "trusted_proxies: 'proxy.example.org' is not an IP address" "trusted_proxies = 127.0.0.1, proxy.example.org"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/web.key" -out "$T/web.crt" -days 2 \
	-subj /CN=127.0.0.1 2>/dev/null
chmod 600 "$T/web.key"
conf "listen = 127.0.0.1:$port" "cert_file = web.crt" "key_file = web.key" "base_url = https://127.0.0.1:$port"
"$TBMWEB" -n -c "$T/tbmond.conf" | grep -q "configuration OK" || fail "tbm-web -n on a good HTTPS configuration"
"$TBMWEB" -c "$T/tbmond.conf" 2>"$T/web.log" &
WPID=$!
for _ in $(seq 200); do grep -qs "listening on" "$T/web.log" && break; sleep 0.05; done
grep -q "listening on 127.0.0.1:$port (HTTPS)" "$T/web.log" || fail "tbm-web did not start with HTTPS"
printf 'manager-pass-1\n' >"$T/pw"
chmod 600 "$T/pw"
"$TBMCTL" -c "$T/tbmond.conf" user add boss --role manager --password-file "$T/pw" >/dev/null

u=https://127.0.0.1:$port
c=(curl -sk --max-time 10 -c "$T/jar" -b "$T/jar")
"${c[@]}" -D "$T/h1" -o "$T/login.html" "$u/login"
grep -qi '^strict-transport-security: max-age=' "$T/h1" || fail "no HSTS over HTTPS"
grep -qi '^set-cookie: tbm_login=.*; Secure' "$T/h1" || fail "the login form's cookie is not Secure"
tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/login.html" | grep -o '[0-9a-f]\{32\}')
# a client that names another address is not believed: no proxy is trusted
"${c[@]}" -D "$T/h2" -o /dev/null -H "X-Forwarded-For: 198.51.100.1" \
	--data "csrf=$tok&name=boss&password=manager-pass-1" "$u/login"
grep -q "login: boss from 127.0.0.1$" "$T/web.log" || fail "X-Forwarded-For believed without a trusted proxy: $(grep 'login:' "$T/web.log")"
grep -qi '^set-cookie: tbm_session=[0-9a-f]\{32\}; Path=/; HttpOnly; SameSite=Strict; Secure' "$T/h2" ||
	fail "the session cookie over HTTPS: $(grep -i set-cookie "$T/h2")"
echo "ok: HTTPS: HSTS, Secure cookies"
st=$("${c[@]}" -o "$T/labels" -w '%{http_code}' "$u/labels")
[ "$st" = 200 ] || fail "GET /labels: $st"
st=$("${c[@]}" -o "$T/qr.svg" -w '%{http_code}' "$u/qr/none.svg")
[ "$st" = 404 ] || fail "a QR code of no device: $st"
echo "ok: logged in over HTTPS"

# limits: a 40 KB header, a 20 KB body, a method that is not GET/POST, plain HTTP on the TLS port
st=$("${c[@]}" -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" "$u/")
[ "$st" = 431 ] || [ "$st" = 413 ] || fail "a 40 KB header: $st, want 431"
st=$("${c[@]}" -o /dev/null -w '%{http_code}' --data-binary "@-" "$u/users" < <(head -c 20000 /dev/zero | tr '\0' a))
[ "$st" = 413 ] || fail "a 20 KB body: $st, want 413"
st=$("${c[@]}" -o /dev/null -w '%{http_code}' -X DELETE "$u/faults/1")
[ "$st" = 405 ] || fail "DELETE: $st, want 405"
st=$("${c[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data '{}' "$u/users")
[ "$st" = 415 ] || fail "a JSON body: $st, want 415"
st=$("${c[@]}" -o /dev/null -w '%{http_code}' "$u/faults/1?a=%ZZ")
[ "$st" = 400 ] || fail "a malformed query: $st, want 400"
st=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/login" || true)
[ "$st" != 200 ] || fail "plain HTTP on the HTTPS port answered 200"
echo "ok: limits (431 header, 413 body, 405 method, 415 type, 400 query)"

# the throttle per address: 20 failures from one address, each for another
# name (so that no account's own throttle acts), then even a right password
# from there waits; and it is logged
login_status() { # login_status NAME PASSWORD: the HTTP status of a login from a fresh browser
	local jar=$T/jar.$1 tok
	curl -sk -c "$jar" -b "$jar" -o "$T/l.html" "$u/login"
	tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/l.html" | grep -o '[0-9a-f]\{32\}')
	curl -sk -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' --data "csrf=$tok&name=$1&password=$2" "$u/login"
}
for i in $(seq 1 20); do
	st=$(login_status "nobody$i" wrong-password)
	[ "$st" = 401 ] || fail "failed login $i: $st, want 401"
done
st=$(login_status boss manager-pass-1)
[ "$st" = 429 ] || fail "the 21st login from one address: $st, want 429 (throttled)"
grep -q "throttled (too many failures from this address)" "$T/web.log" || fail "the address throttle was not logged"
echo "ok: 20 failures from one address: the next login waits (429), logged"
kill "$WPID"
wait "$WPID" || fail "tbm-web did not stop cleanly on SIGTERM"
WPID=""
grep -q "stopping" "$T/web.log" || fail "tbm-web did not log its stop"

# behind a reverse proxy that terminates TLS (nginx on this machine): the
# client is the address the proxy appended to X-Forwarded-For, the cookies
# are Secure when the proxy says the client came over HTTPS, and each
# client behind the proxy has its own address throttle
conf "listen = 127.0.0.1:$port" "trusted_proxies = 127.0.0.1, ::1"
"$TBMWEB" -n -c "$T/tbmond.conf" | grep -q "configuration OK" || fail "tbm-web -n with trusted_proxies"
"$TBMWEB" -c "$T/tbmond.conf" 2>"$T/web.log" &
WPID=$!
for _ in $(seq 200); do grep -qs "listening on" "$T/web.log" && break; sleep 0.05; done
grep -q "listening on 127.0.0.1:$port" "$T/web.log" || fail "tbm-web did not start behind the proxy"
u=http://127.0.0.1:$port
proxied() { # proxied CLIENT CURL-ARGS...: a request as the proxy passes it on
	local client=$1
	shift
	curl -s --max-time 10 -H "X-Forwarded-For: 6.6.6.6, $client" -H "X-Forwarded-Proto: https" "$@"
}
proxied_login() { # proxied_login CLIENT NAME PASSWORD: the HTTP status
	local jar=$T/pjar.$1.$2 tok
	proxied "$1" -c "$jar" -b "$jar" -o "$T/l.html" "$u/login"
	tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/l.html" | grep -o '[0-9a-f]\{32\}')
	proxied "$1" -c "$jar" -b "$jar" -D "$T/ph" -o /dev/null -w '%{http_code}' \
		--data "csrf=$tok&name=$2&password=$3" "$u/login"
}
st=$(proxied_login 203.0.113.7 boss manager-pass-1)
[ "$st" = 303 ] || fail "a login through the proxy: $st, want 303"
grep -q "login: boss from 203.0.113.7$" "$T/web.log" ||
	fail "the client behind the proxy: $(grep 'login:' "$T/web.log")"
grep -qi '^set-cookie: tbm_session=.*; Secure' "$T/ph" || fail "no Secure cookie for a client on HTTPS at the proxy"
st=$(curl -s -o /dev/null -D "$T/ph2" -w '%{http_code}' "$u/login")
grep -qi '^set-cookie: .*; Secure' "$T/ph2" && fail "a Secure cookie on plain HTTP without the proxy's word"
for i in $(seq 1 20); do
	st=$(proxied_login 203.0.113.8 "nobody$i" wrong-password)
	[ "$st" = 401 ] || fail "failed login $i behind the proxy: $st, want 401"
done
st=$(proxied_login 203.0.113.8 boss manager-pass-1)
[ "$st" = 429 ] || fail "the 21st login of one client behind the proxy: $st, want 429"
st=$(proxied_login 203.0.113.9 boss manager-pass-1)
[ "$st" = 303 ] || fail "another client behind the same proxy was throttled too: $st"
echo "ok: behind a trusted proxy: the client's own address (logged, throttled), Secure cookies"

# /api/ for a program: an account's key instead of a session
"$TBMCTL" -c "$T/tbmond.conf" user add dash --role viewer --display 大屏 --no-password --by boss >/dev/null
"$TBMCTL" -c "$T/tbmond.conf" user key dash --by boss >"$T/key.out" || fail "tbmctl user key"
key=$(grep -E '^tbm_[0-9a-f]{32}$' "$T/key.out") || fail "no key printed: $(cat "$T/key.out")"
/usr/bin/python3 -c 'import json, sys; d = {a["name"]: a["api_key"] for a in json.load(sys.stdin)}; assert d == {"boss": False, "dash": True}, d' \
	< <("$TBMCTL" -c "$T/tbmond.conf" user list --json) || fail "user list: who has a key"
api() { # api KEY PATH: the HTTP status; the body in $T/api.json
	curl -s --max-time 10 -o "$T/api.json" -w '%{http_code}' -H "Authorization: Bearer $1" "$u$2"
}
st=$(api "$key" /api/status)
[ "$st" = 200 ] || fail "/api/status with the key: $st"
/usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["site"]["id"] == "t", d' "$T/api.json" ||
	fail "/api/status with the key: $(cat "$T/api.json")"
wrong=${key%?}$([ "${key: -1}" = 0 ] && echo 1 || echo 0)
st=$(api "$wrong" /api/status)
[ "$st" = 401 ] || fail "/api/ with a wrong key: $st, want 401"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "$u/users")
[ "$st" = 303 ] || fail "a key opens a page that is not /api/: $st, want 303 (to the login)"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" --data "x=1" "$u/api/status")
[ "$st" != 200 ] || fail "a POST with a key answered 200"
"$TBMCTL" -c "$T/tbmond.conf" user disable dash --by boss >/dev/null
st=$(api "$key" /api/status)
[ "$st" = 401 ] || fail "/api/ with a disabled account's key: $st, want 401"
"$TBMCTL" -c "$T/tbmond.conf" user enable dash --by boss >/dev/null
[ "$(api "$key" /api/status)" = 200 ] || fail "/api/ with the key once the account is enabled again"
"$TBMCTL" -c "$T/tbmond.conf" user key dash --revoke --by boss >/dev/null
st=$(api "$key" /api/status)
[ "$st" = 401 ] || fail "/api/ with a revoked key: $st, want 401"
grep -q "api: a wrong, revoked or disabled account's key from 127.0.0.1: refused" "$T/web.log" ||
	fail "the refused keys are not logged"
grep -q "$key" "$T/web.log" && fail "the key is in tbm-web's log"
[ "$(sqlite3 "$T/t.db" "select count(*) from audit where action = 'account-key' and instr(detail, 'tbm_') > 0")" = 0 ] ||
	fail "a key in the audit trail"
"$TBMCTL" -c "$T/tbmond.conf" verify >/dev/null || fail "tbmctl verify after the keys"
echo "ok: /api/ with an account's key: 200; wrong, revoked, a disabled account's: 401; nothing else opens with it"
kill "$WPID"
wait "$WPID" || fail "tbm-web did not stop cleanly on SIGTERM"
WPID=""
echo "PASS"
