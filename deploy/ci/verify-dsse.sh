#!/bin/sh
# verify-dsse.sh ENVELOPE PUBLIC_KEY_PEM: checks one DSSE envelope's Ed25519 signature with jq and openssl
# alone (no proofline), then prints its in-toto statement. Works on an exported bundle or seal
# (`proofline export`) and on `proofline verify --attest`'s statement. Exit 0 valid, 1 invalid, 2 usage.
# The PEM of a key in a public key set: jq -r '.keys[0].public_key' public-keys.json > key.pem
set -eu
if [ $# -ne 2 ]; then
  echo 'usage: verify-dsse.sh ENVELOPE PUBLIC_KEY_PEM' >&2
  exit 2
fi
envelope=$1
key=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
type=$(jq -j .payloadType "$envelope")
jq -j .payload "$envelope" | base64 -d >"$work/payload"
jq -j '.signatures[0].sig' "$envelope" | base64 -d >"$work/sig"
# DSSE's pre-authentication encoding: "DSSEv1" SP len(type) SP type SP len(payload) SP payload, lengths in bytes.
printf 'DSSEv1 %s %s %s ' "$(printf %s "$type" | wc -c | tr -d ' ')" "$type" "$(wc -c <"$work/payload" | tr -d ' ')" >"$work/pae"
cat "$work/payload" >>"$work/pae"
if ! openssl pkeyutl -verify -pubin -inkey "$key" -rawin -in "$work/pae" -sigfile "$work/sig" >/dev/null 2>&1; then
  echo "verify-dsse.sh: $envelope: signature does not verify with $key" >&2
  exit 1
fi
jq . "$work/payload"
