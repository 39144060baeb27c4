#!/bin/bash
# MQTT over TLS with a CA and server certificate made here with openssl, a
# username and a password read from a file; a world-readable password file
# is warned about; a wrong password gives a clear log line and is retried
# with a backoff, not in a loop.
. "$(dirname "$0")/lib.sh"

cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=tbmon-test-ca -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
	-keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
	-extfile san.ext -out server.crt 2>/dev/null
mosquitto_passwd -b -c passwd tbmond 's3cret!' 2>/dev/null
chmod 0644 server.key passwd
PORT=$(free_port)
mkdir -p broker
cat >broker/mosquitto.conf <<BROKER
user $(id -un)
allow_anonymous false
password_file $T/passwd
listener $PORT 127.0.0.1
cafile $T/ca.crt
certfile $T/server.crt
keyfile $T/server.key
tls_version tlsv1.2
log_dest stderr
log_type all
BROKER
broker_run "$T/broker/mosquitto.conf" "$PORT"

printf 's3cret!\n' >mqtt.secret
chmod 0600 mqtt.secret
conf() { # PASSWORD_FILE
	cat >"$T/tbmond.conf" <<CONF
[site]
id = test
[daemon]
database = tbmon.db
[mqtt]
url = mqtts://127.0.0.1:$PORT
client_id = tbmond-tls
username = tbmond
password_file = $1
ca_file = $T/ca.crt
status_topic = tbmon/test/status
[device weld-03]
protocol = mqtt
topic = lab/weld/03/state
[point weld-03.overtemp]
json = temp
kind = safety
when = value > 85
CONF
}
tls=(-p "$PORT" --cafile "$T/ca.crt" -u tbmond -P 's3cret!')

conf mqtt.secret
daemon_start
wait_until 15 "connected over TLS" grep -q "mqtt: connected to 127.0.0.1:$PORT" "$DLOG"
expect_eq "status over TLS" "$(mosquitto_sub "${tls[@]}" -t tbmon/test/status -C 1 -W 10)" online
mosquitto_pub "${tls[@]}" -q 1 -t lab/weld/03/state -m '{"temp": 99}'
wait_until 10 "fault from a TLS message" q_is "select count(*) from faults where point = 'overtemp'" 1
grep -q "readable by everyone" "$DLOG" && fail "warned about a password file that is 0600"
daemon_stop

# the broker's certificate is not from the CA tbmond trusts: no connection
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=other-ca -keyout other.key -out other.crt 2>/dev/null
sed -i "s|^ca_file = .*|ca_file = $T/other.crt|" tbmond.conf
daemon_start
wait_until 15 "a TLS failure is logged" grep -q "mqtt: " "$DLOG"
grep -q "mqtt: connected" "$DLOG" && fail "connected to a broker whose certificate the CA did not sign"
daemon_stop

# a wrong password, in a world-readable file
printf 'wrong\n' >wrong.secret
chmod 0644 wrong.secret
conf wrong.secret
attempts() { grep -c "New connection from" "$T/broker/log" || true; }
attempts_over() { [ "$(attempts)" -gt "$1" ]; }
before=$(attempts)
daemon_start
grep -q "wrong.secret is readable by everyone" "$DLOG" || fail "no warning about a world-readable password file"
wait_until 15 "the refusal is logged" grep -q "refused the connection: .*not authori" "$DLOG"
t0=$SECONDS
wait_until 30 "a retry" attempts_over $((before + 1))
# a backoff (1 s, 2 s, 4 s, ... up to 60 s): watch it for six seconds
sleep_until=$((SECONDS + 6))
while [ $SECONDS -lt $sleep_until ]; do read -r -t 1 <> <(:) || true; done
n=$(( $(attempts) - before ))
cpu=$(awk '{ print $14 + $15 }' "/proc/$DPID/stat")
echo "wrong password: $n connection attempts in $((SECONDS - t0 + 1)) s, tbmond CPU ${cpu} ticks"
[ "$n" -le 6 ] || fail "retrying without a backoff: $n attempts"
[ "$cpu" -lt 100 ] || fail "tbmond used $cpu ticks of CPU while refused"
expect_eq "refusals logged once a minute" "$(grep -c "refused the connection" "$DLOG")" 1
daemon_stop
echo PASS
