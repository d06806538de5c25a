#!/usr/bin/env bash
# demo.sh [CA-BINARY]: a tour of ca on a temporary home, in seconds: a root,
# an intermediate, a CSR signed under policy, a refusal by policy, a
# revocation, a CRL, and `ca serve` answering curl. Every step prints the
# command that did it; the demo stops at the first step that misbehaves
# (exit 1) and leaves nothing behind: no home, no process. `make demo` runs it
# and gives it CA_DEMO_T0, so that the time it reports includes the build.
set -euo pipefail

bin=${1:-bin/ca}
[ -x "$bin" ] || { echo "demo: $bin is not an executable; run 'make build' first" >&2; exit 1; }
CA_BIN=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
command -v curl >/dev/null || { echo "demo: curl is needed for the last step (apt-get install curl)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ca-demo.XXXXXX")
serve_pid=
cleanup() {
	if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
		kill "$serve_pid" 2>/dev/null || true
		wait "$serve_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$work"
export CA_HOME="$work/pki"
unset CA_PASSPHRASE CA_PASSPHRASE_FILE CA_KEY_PASSPHRASE_FILE
start=$(date +%s%N)

# since T0: the seconds from T0 (nanoseconds since the epoch) to now, to a tenth.
since() {
	local ns=$(($(date +%s%N) - $1))
	printf '%d.%ds' $((ns / 1000000000)) $((ns / 100000000 % 10))
}

ca() { "$CA_BIN" "$@"; }

bold= plain=
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; fi

# show CMD...: prints "$ CMD" with arguments quoted as a shell would need.
show() {
	local out= a
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ || $a == "&" ]]; then out+=" $a"; else out+=" '${a//\'/\'\\\'\'}'"; fi
	done
	printf '\n%s$%s%s\n' "$bold" "$out" "$plain"
}

# step WANT CMD...: prints "$ CMD", runs it, and fails the demo unless it exits WANT.
step() {
	local want=$1 rc=0
	shift
	show "$@"
	"$@" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "demo: '$*' exited $rc, expected $want" >&2
		exit 1
	fi
	if [ "$want" -ne 0 ]; then
		echo "(exit $rc, as expected)"
	fi
}

say() { printf '\n# %s\n' "$*"; }

say "A root CA in a new home ($CA_HOME). Keys are unencrypted for the demo only."
step 0 ca init --cn "Demo Root CA" --org Demo --country DE --no-passphrase

say "An intermediate signed by the root; it inherits O=Demo and C=DE, and signs from now on."
step 0 ca intermediate create --name issuing --cn "Demo Issuing CA" --no-passphrase

say "The requester's side: a key and a CSR for web.demo.test."
step 0 ca csr create --cn web.demo.test --dns web.demo.test --org Demo --country DE --key-out web.key --out web.csr --no-passphrase

say "The issuer checks the CSR against its policy and the server profile, signs and records it."
step 0 ca sign csr web.csr --out web.crt
step 0 ca show web.crt

say "A CSR whose O breaks the policy (O must match the issuer's): refused with exit 3, nothing recorded."
step 0 ca csr create --cn evil.demo.test --dns evil.demo.test --org Other --country DE --key-out evil.key --out evil.csr --no-passphrase
step 3 ca sign csr evil.csr --out evil.crt

step 0 ca list

serial=$(ca -o json show web.crt | sed -n 's/^  "serial": "\([0-9a-f]*\)".*/\1/p')
[ -n "$serial" ] || { echo "demo: no serial in 'ca show -o json web.crt'" >&2; exit 1; }

say "Revoke it, then export a CRL that lists it."
step 0 ca revoke "$serial" --reason keyCompromise
step 0 ca crl export --out issuing.crl
step 0 ca show issuing.crl

say "Verification now fails: the certificate is revoked (exit 6)."
step 6 ca verify web.crt

say "A TLS endpoint with a fresh server certificate from the intermediate, in the background."
port=
for _ in $(seq 1 50); do
	p=$((20000 + RANDOM % 20000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { echo "demo: no free port found" >&2; exit 1; }
show ca serve --addr "127.0.0.1:$port" --ready-file ready "&"
"$CA_BIN" serve --addr "127.0.0.1:$port" --ready-file ready >serve.log 2>&1 & # not via ca(): $! must be ca itself
serve_pid=$!
for _ in $(seq 1 200); do
	[ -e ready ] && break
	kill -0 "$serve_pid" 2>/dev/null || { cat serve.log >&2; echo "demo: ca serve stopped" >&2; exit 1; }
	sleep 0.05
done
[ -e ready ] || { cat serve.log >&2; echo "demo: ca serve did not get ready in 10s" >&2; exit 1; }
cat serve.log

say "curl trusts only the root, and the handshake works through the intermediate."
step 0 curl --silent --show-error --fail --cacert pki/issuers/root/cert.pem "https://127.0.0.1:$port/handshake.json"

say "Stop the endpoint (SIGTERM: it exits 0)."
show kill "$serve_pid"
kill "$serve_pid"
rc=0
wait "$serve_pid" || rc=$?
serve_pid=
[ "$rc" -eq 0 ] || { echo "demo: ca serve exited $rc on SIGTERM, expected 0" >&2; exit 1; }

# CA_DEMO_T0 (nanoseconds since the epoch) is when "make demo" began, before
# it built ca: the time it reports then includes the build.
took="in $(since "$start")"
if [[ ${CA_DEMO_T0:-} =~ ^[0-9]+$ ]]; then took+=" ($(since "$CA_DEMO_T0") with the build)"; fi
printf '\ndemo: all steps behaved, %s; the temporary home is removed.\n' "$took"
