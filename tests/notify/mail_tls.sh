#!/bin/bash
# tbm-notify's e-mail as a mail provider takes it: over smtps:// (TLS from
# the first byte) and over smtp:// with STARTTLS, each logging in with a
# password from a file and checking the server's certificate against
# ca_file. The password never crosses the network in clear: a server that
# offers no STARTTLS gets no login and no mail, and tbm-notify says why. A
# wrong password is a failed delivery, logged, and the mail comes once the
# password is put right (the position did not move past it).
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/mail.key" -out "$T/mail.crt" -days 2 \
	-subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || fail "openssl"
USER=tbmon@base.test
tls=(--cert "$T/mail.crt" --key "$T/mail.key" --auth "$USER:mail-pass-1")
smtp_start smtps --smtps "${tls[@]}"
P_SMTPS=$SMTP_PORT
smtp_start starttls --starttls "${tls[@]}"
P_STARTTLS=$SMTP_PORT
smtp_start clear --auth "$USER:mail-pass-1"
P_CLEAR=$SMTP_PORT
secret_file mail.pw mail-pass-1
secret_file wrong.pw not-the-password

workshop_sim
PORT_s=$PORT_a   # conf_device's server
channel() { # channel NAME URL PASSWORD_FILE TO
	printf '[notify %s]\ntype = email\nsmtp = %s\nusername = %s\npassword_file = %s\n' "$1" "$2" "$USER" "$3"
	printf 'ca_file = mail.crt\nfrom = %s\nto = %s\nsend = open\n' "$USER" "$4"
}
{
	conf_head 测试基地
	conf_device cnc-01 "数控车床 CK6140 #1" 数控加工实训室 1
	conf_point cnc-01.alarm "holding 100" 主轴报警
	channel smtps "smtps://127.0.0.1:$P_SMTPS" mail.pw zhang@base.test
	channel starttls "smtp://127.0.0.1:$P_STARTTLS" mail.pw li@base.test
	channel clear "smtp://127.0.0.1:$P_CLEAR" mail.pw wang@base.test
	channel wrong "smtps://127.0.0.1:$P_SMTPS" wrong.pw zhao@base.test
} >"$T/tbmond.conf"

daemon_start
notify_start
sim set cnc-01.holding.100 7
wait_until 10 "fault A open" q_is "select count(*) from faults where point = 'alarm'" 1
A=$(fault_id cnc-01 alarm)

# smtps and STARTTLS: logged in over TLS, delivered once
wait_until 15 "A by smtps" mails_at smtps "zhang@base.test || .*faults/$A\$" 1
wait_until 15 "A by STARTTLS" mails_at starttls "li@base.test || .*faults/$A\$" 1
session_of() { # session_of NAME TO: "TLS LOGIN" of each mail server NAME accepted for TO
	"$PY" - "$T/$1.log" "$2" <<'PYEOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if "subject" in r and r["to"] == [sys.argv[2]]:
        print(r["tls"], r["login"])
PYEOF
}
expect_eq "smtps: over TLS, logged in" "$(session_of smtps zhang@base.test)" "True $USER"
expect_eq "STARTTLS: over TLS, logged in" "$(session_of starttls li@base.test)" "True $USER"
echo "ok: e-mail over smtps:// and over STARTTLS, logged in with the password file"

# a server without STARTTLS: no password sent in clear, no mail, and why
wait_until 15 "the clear channel's refusal logged" grep -q "notify clear: .*not delivered: the server offers no STARTTLS, and the password is not sent in clear" "$NLOG"
expect_eq "logins offered to the server without TLS" "$(cat "$T/clear.log" 2>/dev/null | grep -c '"auth"' || true)" 0
expect_eq "mails through the server without TLS" "$(mails clear | wc -l)" 0
echo "ok: no STARTTLS: the password is not sent, nothing delivered: $(grep -m1 'notify clear: .*not delivered' "$NLOG" | sed 's/^<[0-9]>//')"

# a wrong password: refused by the server, logged, not delivered
wait_until 15 "the wrong password's refusal logged" grep -q "notify wrong: .*not delivered" "$NLOG"
expect_eq "the wrong password's mail" "$(mails smtps | grep -c 'zhao@base.test' || true)" 0
grep -q '"auth": "tbmon@base.test", "ok": false' "$T/smtps.log" || fail "the server saw no failed login"
grep -q "not-the-password\|mail-pass-1" "$NLOG" && fail "a password in tbm-notify's log"
# put right: the mail comes, once, after a restart (the position waited)
kill -TERM "$NPID"
wait "$NPID" || fail "tbm-notify did not stop cleanly"
secret_file wrong.pw mail-pass-1
notify_start
wait_until 20 "A, once the password is right" mails_at smtps "zhao@base.test || .*faults/$A\$" 1
expect_eq "A to zhao, once" "$(mails smtps | grep -c "zhao@base.test || .*faults/$A\$")" 1
expect_eq "A to zhang, still once" "$(mails smtps | grep -c "zhang@base.test || .*faults/$A\$")" 1
echo "ok: a wrong password holds the channel's position; put right, the mail comes once"
kill -TERM "$NPID"
wait "$NPID" || fail "tbm-notify did not stop cleanly"
daemon_stop
echo PASS
