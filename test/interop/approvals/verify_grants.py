#!/usr/bin/env python3
"""Checks the signed approval grants in proofline bundles with code that is not proofline's.

Usage: verify_grants.py APPROVERS_FILE BUNDLE_OR_DIR...

For every action bundle (a DSSE envelope over an in-toto Statement), every grant in its approval receipt's
facts (`grants`) must be a DSSE envelope of payloadType application/vnd.proofline.approval-grant+json whose
payload is RFC 8785 canonical JSON, signed with Ed25519 over the DSSE pre-authentication encoding by a key
in the approvers file (keyid = sha256 of the SPKI DER), under the name that key is registered to, for the
bundle's session. Prints one line per grant; exits 1 if any grant fails, 2 on usage errors.
"""
import base64
import hashlib
import json
import pathlib
import sys

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GRANT_TYPE = "application/vnd.proofline.approval-grant+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def load_approvers(path):
    approvers = {}
    for entry in json.loads(pathlib.Path(path).read_text())["approvers"]:
        key = serialization.load_pem_public_key(entry["public_key"].encode())
        if not isinstance(key, Ed25519PublicKey):
            raise SystemExit(f"{path}: {entry['name']} is not an Ed25519 key")
        spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if hashlib.sha256(spki).hexdigest() != entry["keyid"]:
            raise SystemExit(f"{path}: keyid of {entry['name']} is not sha256(SPKI)")
        approvers[entry["keyid"]] = (entry["name"], key)
    return approvers


def check_grant(grant, session_id, approvers):
    if grant.get("payloadType") != GRANT_TYPE:
        return "wrong payloadType"
    payload = base64.b64decode(grant["payload"], validate=True)
    statement = json.loads(payload)
    if rfc8785.dumps(statement) != payload:
        return "payload is not RFC 8785 canonical JSON"
    (signature,) = grant["signatures"]
    if signature["keyid"] != statement["keyid"]:
        return "signed by another key than the statement names"
    if statement["keyid"] not in approvers:
        return f"key {statement['keyid']} is not a trusted approver"
    name, key = approvers[statement["keyid"]]
    if name != statement["approver"]:
        return f"claims approver {statement['approver']!r}, key is {name!r}'s"
    try:
        key.verify(base64.b64decode(signature["sig"], validate=True), pae(GRANT_TYPE, payload))
    except InvalidSignature:
        return "signature does not verify"
    if statement["session_id"] != session_id:
        return "grant is for another session"
    if hashlib.sha256(statement["action_digest"].encode()).hexdigest()[:16] != statement["approval_id"]:
        return "approval_id is not the id of action_digest"
    return None


def bundle_files(paths):
    for path in map(pathlib.Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.dsse.json") if p.name != "seal.dsse.json")
        else:
            yield path


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    approvers = load_approvers(argv[1])
    failed = checked = 0
    for path in bundle_files(argv[2:]):
        envelope = json.loads(path.read_text())
        predicate = json.loads(base64.b64decode(envelope["payload"]))["predicate"]
        session_id = predicate["summary"]["session_id"]
        for receipt in predicate["evidence"]["receipts"]:
            if receipt["checkpoint"] != "approval":
                continue
            for grant in receipt["facts"].get("grants", []):
                checked += 1
                problem = check_grant(grant, session_id, approvers)
                statement = json.loads(base64.b64decode(grant["payload"]))
                what = f"{path.name}: {statement.get('decision')} {statement.get('approval_id')} by {statement.get('approver')}"
                print(f"{'FAIL' if problem else 'ok  '} {what}{': ' + problem if problem else ''}")
                failed += bool(problem)
    print(f"{checked} grants checked, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
