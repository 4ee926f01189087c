#!/usr/bin/env bash
# Makes a lab CA and a certificate per host for parlab's TLS (docs/security.md), with OpenSSL
# (Debian's `openssl` package). Every host certificate carries the host as a subjectAltName (DNS
# or IP) and may serve (serverAuth) and present itself as a client (clientAuth, for mutual TLS),
# so a daemon uses one certificate for both. `client.crt` is a certificate for people's CLIs.
#
#   scripts/make-lab-certs.sh OUTDIR HOST...
#   scripts/make-lab-certs.sh /etc/parlab/tls coord.lab 10.0.0.5 node1.lab localhost 127.0.0.1
#
# OUTDIR/ca.crt ca.key            the lab CA (keep ca.key offline once the certificates exist)
# OUTDIR/HOST.crt HOST.key        one per HOST argument
# OUTDIR/client.crt client.key    CN=parlab-client, clientAuth only
# An existing CA in OUTDIR is reused, so adding a host later signs it with the same CA. Keys are
# written mode 0600. DAYS (environment, default 825) sets the validity.
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 OUTDIR HOST..." >&2
  exit 2
fi
out=$1
shift
days=${DAYS:-825}
command -v openssl >/dev/null || { echo "$0: openssl not found (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out"
umask 077

if [ ! -f "$out/ca.crt" ] || [ ! -f "$out/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$out/ca.key" -out "$out/ca.crt" -days "$days" -subj "/O=parlab lab/CN=parlab lab CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
fi

# sign NAME SUBJECT EXTENSIONS: NAME.key and NAME.crt signed by the CA.
sign() {
  local name=$1 subject=$2 extensions=$3
  local ext
  ext=$(mktemp)
  printf '%s\n' "$extensions" >"$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$out/$name.key" -out "$out/$name.csr" -subj "$subject" 2>/dev/null
  openssl x509 -req -in "$out/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -CAcreateserial -out "$out/$name.crt" -days "$days" -extfile "$ext" 2>/dev/null
  rm -f "$out/$name.csr" "$ext"
  chmod 600 "$out/$name.key"
  chmod 644 "$out/$name.crt"
}

is_ip() {
  [[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || [[ $1 == *:* ]]
}

for host in "$@"; do
  if is_ip "$host"; then san="IP:$host"; else san="DNS:$host"; fi
  sign "$host" "/O=parlab lab/CN=$host" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$san"
done
sign client "/O=parlab lab/CN=parlab-client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
chmod 644 "$out/ca.crt"
echo "lab CA and certificates in $out: ca.crt, $(printf '%s.crt ' "$@")client.crt"
