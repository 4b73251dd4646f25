#!/usr/bin/env python3
"""An independent verifier of a proofline data directory, written from the formats alone (schemas/bundle.ts,
schemas/checkpoint.md) with Python's own libraries: `cryptography` for Ed25519 and `rfc8785` for canonical
JSON. It shares no code with proofline's TypeScript verifier, so the two agreeing means the formats say what
they are meant to say.

    verify_bundles.py DATA_DIR [--keys public-keys.json] [--json]
        [--checkpoint NOTE_FILE ...] [--log-leaves LEAVES_FILE] [--verifier-key VKEY] [--origin ORIGIN]

What it reads in DATA_DIR: the segments (`segments/NNNNNN.jsonl`, one DSSE envelope per line; a record is
named `<segment>:<line>`), any exported bundle files (`bundles/**/*.dsse.json`), and the transparency log
(`tlog/leaves`, one hex seal digest per line; `tlog/origin`; `tlog/checkpoint`, the log's own latest signed
checkpoint, always checked). Without --verifier-key the log's verifier keys are derived from the trusted
keys and the origin, as schemas/checkpoint.md defines them.

Checks per bundle record or file: envelope_format, signature (Ed25519 over the DSSE PAE, by a trusted key),
statement_format (canonical JSON of an in-toto Statement v1), subject_digest, section_digests,
receipt_chain. Per session: session_chain (sequences and previous_bundle links) and session_seal (one
signed seal whose count, RFC 6962 root and last bundle match the bundles found). Per checkpoint:
checkpoint_note (C2SP signed note, verified with the verifier key), checkpoint_body (C2SP tlog-checkpoint),
checkpoint_tree (the root over the log's first `size` leaves) and checkpoint_seals (every leaf is the digest
of a seal still in the directory, and every seal is a leaf).

Exit status: 0 when every check passes, 1 when any fails (each failure is printed, naming its check), 2 when
it cannot run (missing packages, unreadable arguments).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

PINNED = "rfc8785==0.1.4 cryptography==48.0.0"
try:
    import rfc8785
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError as missing:
    sys.stderr.write(
        f"verify_bundles.py: cannot import {missing.name}: it needs `python3 -m pip install {PINNED}`\n"
    )
    sys.exit(2)

DSSE_PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
# schemas/predicates.md; the names before the namespace moved are still read for bundles already written.
PREDICATE_KINDS = {
    "https://proofline.dev/attestation/action-proof/v1": "action",
    "https://proofline.dev/attestation/session-seal/v1": "seal",
    "https://proofline.dev/ActionProof/v1": "action",
    "https://proofline.dev/SessionSeal/v1": "seal",
}
SEAL_FILE = "seal.dsse.json"
SECTIONS = ("summary", "evidence", "verification")
IDENTITY_FIELDS = ("session_id", "turn_id", "action_id", "runtime_family", "tool_name", "input_digest")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MAX_NOTE_SIGNATURES = 100
MAX_NOTE_BYTES = 1024 * 1024
MAX_RECORD_BYTES = 64 * 1024 * 1024
SEGMENT_NAME = re.compile(r"\d{6,15}\.jsonl")


class CheckFailed(Exception):
    """A check's verdict: the data is not what it claims to be."""


@dataclass
class Result:
    check: str
    subject: str
    status: str  # pass | fail | skip
    detail: str = ""
    session_id: str | None = None


@dataclass
class Bundle:
    file: Path
    kind: str  # action | seal
    statement: dict[str, Any]
    digest: str  # sha256 of the payload bytes
    signature_ok: bool


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_digest(value: Any) -> str:
    return sha256_hex(rfc8785.dumps(value))


def strict_b64(text: Any) -> bytes | None:
    """Standard base64 in its one canonical form, or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode() == text else None


# ---- RFC 6962 ---------------------------------------------------------------------------------------------


def merkle_root(leaves: list[bytes]) -> bytes:
    """MTH over raw leaves: a stack of perfect subtree roots, folded from the right at the end."""
    stack: list[tuple[int, bytes]] = []  # (leaf count, hash)
    for leaf in leaves:
        node = (1, hashlib.sha256(b"\x00" + leaf).digest())
        while stack and stack[-1][0] == node[0]:
            left = stack.pop()
            node = (left[0] * 2, hashlib.sha256(b"\x01" + left[1] + node[1]).digest())
        stack.append(node)
    if not stack:
        return hashlib.sha256(b"").digest()
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = hashlib.sha256(b"\x01" + left + root).digest()
    return root


# ---- Keys -------------------------------------------------------------------------------------------------


def load_key_set(path: Path) -> dict[str, Ed25519PublicKey]:
    """keyid → key, each keyid checked to be sha256 of the key's SPKI DER (as schemas/keys.ts defines it)."""
    entries = json.loads(path.read_text("utf-8"))["keys"]
    keys: dict[str, Ed25519PublicKey] = {}
    for i, entry in enumerate(entries):
        key = serialization.load_pem_public_key(entry["public_key"].encode())
        if entry.get("alg") != "ed25519" or not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{path}: keys[{i}] is not an ed25519 key")
        spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if sha256_hex(spki) != entry["keyid"]:
            raise ValueError(f"{path}: keys[{i}] keyid is not sha256 of its SPKI")
        keys[entry["keyid"]] = key
    return keys


def verifies(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message)
        return True
    except InvalidSignature:
        return False


# ---- One bundle file --------------------------------------------------------------------------------------


def pae(payload_type: str, payload: bytes) -> bytes:
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d " % (len(kind), kind, len(payload)) + payload


class FileRun:
    """The checks on one file, in order; a check whose input could not be read is skipped, not passed."""

    def __init__(self, file: Path, results: list[Result]):
        self.file = file
        self.results = results
        self.mine: list[Result] = []

    def check(self, name: str, body: Callable[[], Any]) -> Any:
        try:
            value = body()
            self.record(name, "pass")
            return value if value is not None else True
        except CheckFailed as failure:
            self.record(name, "fail", str(failure))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as broken:
            self.record(name, "fail", f"cannot be read: {type(broken).__name__}: {broken}")
        return None

    def record(self, name: str, status: str, detail: str = "") -> None:
        result = Result(name, str(self.file), status, detail)
        self.mine.append(result)
        self.results.append(result)

    def skip(self, *names: str) -> None:
        for name in names:
            self.record(name, "skip", "not run: the file could not be read that far")

    def identify(self, session_id: str) -> None:
        for result in self.mine:
            result.session_id = session_id


def verify_file(
    file: Path, keys: dict[str, Ed25519PublicKey], results: list[Result], text: bytes | None = None
) -> Bundle | None:
    """`text`: a segment record's bytes (`file` is then its `<segment>:<line>` name); else the file is read."""
    run = FileRun(file, results)
    envelope = run.check("envelope_format", lambda: parse_envelope(file, text))
    if envelope is None:
        run.skip("signature", "statement_format", "subject_digest", "section_digests")
        return None
    raw, payload = envelope
    signature_ok = run.check("signature", lambda: verify_signature(raw, payload, keys)) is not None
    parsed = run.check("statement_format", lambda: parse_statement(payload))
    if parsed is None:
        run.skip("subject_digest", "section_digests")
        return None
    kind, statement = parsed
    predicate = statement["predicate"]
    run.check("subject_digest", lambda: verify_subject(kind, statement))
    if kind == "action":
        run.check("section_digests", lambda: verify_sections(predicate))
        run.check("receipt_chain", lambda: verify_receipts(predicate["evidence"]["receipts"]))
    run.identify(predicate["summary"]["session_id"] if kind == "action" else predicate["session_id"])
    return Bundle(file, kind, statement, sha256_hex(payload), signature_ok)


def parse_envelope(file: Path, text: bytes | None) -> tuple[dict[str, Any], bytes]:
    try:
        if text is None:
            if file.stat().st_size > MAX_RECORD_BYTES:
                raise CheckFailed(f"a file of {file.stat().st_size} bytes, over the {MAX_RECORD_BYTES}-byte limit")
            text = file.read_bytes()
        raw = json.loads(text.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise CheckFailed(f"not a JSON file: {error}") from None
    if not isinstance(raw, dict) or raw.get("payloadType") != DSSE_PAYLOAD_TYPE:
        raise CheckFailed(f"not a DSSE envelope of {DSSE_PAYLOAD_TYPE}")
    signatures = raw.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise CheckFailed("no signatures")
    for s in signatures:
        if not isinstance(s, dict) or not isinstance(s.get("keyid"), str) or not isinstance(s.get("sig"), str):
            raise CheckFailed("a signature is not {keyid, sig}")
    payload = strict_b64(raw.get("payload"))
    if payload is None:
        raise CheckFailed("payload is not canonical base64")
    return raw, payload


def verify_signature(raw: dict[str, Any], payload: bytes, keys: dict[str, Ed25519PublicKey]) -> None:
    trusted = [s for s in raw["signatures"] if s["keyid"] in keys]
    if not trusted:
        raise CheckFailed("signed only by keys that are not trusted: " + ", ".join(s["keyid"] for s in raw["signatures"]))
    signed = pae(raw["payloadType"], payload)
    for s in trusted:
        signature = strict_b64(s["sig"])
        if signature is None or not verifies(keys[s["keyid"]], signature, signed):
            raise CheckFailed(f"signature by {s['keyid']} does not verify")


def parse_statement(payload: bytes) -> tuple[str, dict[str, Any]]:
    try:
        statement = json.loads(payload.decode("utf-8"))
        canonical = rfc8785.dumps(statement)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, rfc8785.CanonicalizationError) as error:
        raise CheckFailed(f"payload is not canonical-able UTF-8 JSON: {error}") from None
    if canonical != payload:
        raise CheckFailed("payload is not canonical JSON (RFC 8785)")
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise CheckFailed("not an in-toto Statement v1")
    subject = statement.get("subject")
    if not (isinstance(subject, list) and len(subject) == 1 and isinstance(subject[0], dict)):
        raise CheckFailed("a statement has exactly one subject")
    predicate = statement.get("predicate")
    kind = PREDICATE_KINDS.get(statement.get("predicateType"))
    if kind is None:
        raise CheckFailed(f"unknown predicateType {statement.get('predicateType')!r}")
    for path, types in (ACTION_SHAPE if kind == "action" else SEAL_SHAPE):
        if not isinstance(field(predicate, path), types):
            raise CheckFailed(f"predicate.{'.'.join(path)} is missing or not {' or '.join(t.__name__ for t in types)}")
    if kind == "action":
        summary, manifest = predicate["summary"], predicate["manifest"]
        if (manifest["session_id"], manifest["action_id"]) != (summary["session_id"], summary["action_id"]):
            raise CheckFailed("manifest and summary name different actions")
        if isinstance(manifest["sequence"], bool) or manifest["sequence"] < 0:
            raise CheckFailed("manifest.sequence is not a count")
        for i, receipt in enumerate(predicate["evidence"]["receipts"]):
            if not isinstance(receipt, dict) or not {"checkpoint", "index", "previous", "digest"} <= receipt.keys():
                raise CheckFailed(f"receipt {i} is not a receipt")
    return kind, statement


# The fields later checks read, and their JSON types: what a statement must have to be judged at all.
NULL = type(None)
ACTION_SHAPE = [
    *((("summary", f), (str, NULL)) for f in IDENTITY_FIELDS),
    (("summary", "session_id"), (str,)),
    (("summary", "action_id"), (str,)),
    (("evidence", "receipts"), (list,)),
    (("verification",), (dict,)),
    (("manifest", "session_id"), (str,)),
    (("manifest", "action_id"), (str,)),
    (("manifest", "sequence"), (int,)),
    (("manifest", "previous_bundle"), (str, NULL)),
    *((("manifest", "sections", s), (str,)) for s in SECTIONS),
]
SEAL_SHAPE = [
    (("session_id",), (str,)),
    (("count",), (int,)),
    (("merkle_root",), (str,)),
    (("last_bundle",), (str, NULL)),
]
MISSING = object()


def field(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def verify_subject(kind: str, statement: dict[str, Any]) -> None:
    predicate = statement["predicate"]
    if kind == "action":
        summary = predicate["summary"]
        name = f"action:{summary['session_id']}/{summary['action_id']}"
        digest = canonical_digest({field: summary[field] for field in IDENTITY_FIELDS})
    else:
        name = f"session:{predicate['session_id']}"
        digest = predicate["merkle_root"]
    claimed = statement["subject"][0]
    if claimed["name"] != name:
        raise CheckFailed(f"subject name {claimed['name']} ≠ {name}")
    if claimed["digest"]["sha256"] != digest:
        raise CheckFailed(f"subject digest {claimed['digest']['sha256']} ≠ {digest}")


def verify_sections(predicate: dict[str, Any]) -> None:
    wrong = [s for s in SECTIONS if predicate["manifest"]["sections"][s] != canonical_digest(predicate[s])]
    if wrong:
        raise CheckFailed("manifest digest does not match section " + ", ".join(wrong))


def verify_receipts(receipts: list[dict[str, Any]]) -> None:
    problems = []
    previous = None
    for position, receipt in enumerate(receipts):
        covered = {k: v for k, v in receipt.items() if k != "digest"}
        if receipt["digest"] != canonical_digest(covered):
            problems.append(f"receipt {position} ({receipt['checkpoint']}): digest does not match its content")
        if receipt["previous"] != previous:
            problems.append(f"receipt {position} ({receipt['checkpoint']}): previous does not link to the receipt before it")
        if receipt["index"] != position:
            problems.append(f"receipt {position} ({receipt['checkpoint']}) claims index {receipt['index']}")
        previous = receipt["digest"]
    if problems:
        raise CheckFailed("; ".join(problems))


def segment_records(segment: Path, results: list[Result]) -> list[tuple[str, bytes]]:
    """A segment's records as (`<segment>:<line>`, bytes); a torn last line or an over-long one fails envelope_format."""
    records = []
    lines = segment.read_bytes().split(b"\n")
    for number, line in enumerate(lines, start=1):
        name = f"{segment}:{number}"
        if number == len(lines):
            if line:
                results.append(Result("envelope_format", name, "fail", f"the last record is cut short ({len(line)} bytes)"))
            break
        if len(line) > MAX_RECORD_BYTES:
            results.append(Result("envelope_format", name, "fail", f"a record of {len(line)} bytes"))
            continue
        records.append((name, line))
    return records


# ---- Sessions ---------------------------------------------------------------------------------------------


def file_sequence(file: Path) -> int | None:
    match = re.match(r"(\d{6})-", file.name)
    return int(match.group(1)) if match else None


def verify_sessions(bundles: list[Bundle], results: list[Result]) -> None:
    actions: dict[str, list[Bundle]] = {}
    seals: dict[str, list[Bundle]] = {}
    for b in bundles:
        p = b.statement["predicate"]
        if b.kind == "action":
            actions.setdefault(p["summary"]["session_id"], []).append(b)
        else:
            seals.setdefault(p["session_id"], []).append(b)
    for session in sorted(set(actions) | set(seals)):
        chain = sorted(actions.get(session, []), key=lambda b: (manifest(b)["sequence"], str(b.file)))
        for name, problems in (
            ("session_chain", chain_problems(chain)),
            ("session_seal", seal_problems(chain, seals.get(session, []))),
        ):
            status = "fail" if problems else "pass"
            results.append(Result(name, f"session:{session}", status, "; ".join(sorted(problems)), session))


def manifest(bundle: Bundle) -> dict[str, Any]:
    return bundle.statement["predicate"]["manifest"]


def chain_problems(chain: list[Bundle]) -> list[str]:
    problems = []
    by_sequence: dict[int, list[Bundle]] = {}
    for b in chain:
        by_sequence.setdefault(manifest(b)["sequence"], []).append(b)
    for sequence, held in sorted(by_sequence.items()):
        if len(held) > 1:
            problems.append(f"sequence {sequence} is held by {len(held)} bundles: duplicated")
    sequences_of: dict[str, set[int]] = {}
    for b in chain:
        sequences_of.setdefault(manifest(b)["action_id"], set()).add(manifest(b)["sequence"])
    problems += [f"action {a} appears at sequences {sorted(s)}: duplicated" for a, s in sequences_of.items() if len(s) > 1]
    if by_sequence:
        # Counted, not enumerated: a forged sequence of 10^12 must not make this loop that long.
        missing = max(by_sequence) + 1 - len(by_sequence)
        shown = []
        s = 0
        while len(shown) < min(missing, 5):
            if s not in by_sequence:
                shown.append(s)
            s += 1
        problems += [f"no bundle with sequence {s}: removed" for s in shown]
        if missing > len(shown):
            problems.append(f"and {missing - len(shown)} more sequences missing")
    for b in chain:
        sequence, previous = manifest(b)["sequence"], manifest(b)["previous_bundle"]
        before = by_sequence.get(sequence - 1, [])
        if (sequence == 0 and previous is not None) or (before and previous not in {p.digest for p in before}):
            problems.append(f"{b.file.name} (sequence {sequence}) does not link to the bundle before it")
        named = file_sequence(b.file)
        if named is not None and named != sequence:
            problems.append(f"{b.file.name} is named for position {named} but holds sequence {sequence}: reordered")
    return problems


def seal_problems(chain: list[Bundle], seals: list[Bundle]) -> list[str]:
    if not seals:
        return ["the session has no seal: its length cannot be proven"]
    if len(seals) > 1:
        return [f"{len(seals)} seals for one session"]
    seal, claim = seals[0], seals[0].statement["predicate"]
    problems = []
    if not seal.signature_ok:
        problems.append(f"{seal.file.name}: the seal's signature does not verify")
    if claim["count"] != len(chain):
        problems.append(f"seal covers {claim['count']} bundles, {len(chain)} found")
    if claim["merkle_root"] != merkle_root([bytes.fromhex(b.digest) for b in chain]).hex():
        problems.append("Merkle root over the bundles found differs from the seal")
    last = max(chain, key=lambda b: manifest(b)["sequence"]).digest if chain else None
    if claim["last_bundle"] != last:
        problems.append("last bundle found is not the one the seal names")
    return problems


# ---- Checkpoints (C2SP signed-note + tlog-checkpoint) ----------------------------------------------------


def is_key_name(name: str) -> bool:
    """Non-empty, no Unicode space (White_Space: what Go's unicode.IsSpace tests), no plus."""
    return bool(name) and "+" not in name and not any(
        c in "\t\n\v\f\r \x85" or unicodedata.category(c) in ("Zs", "Zl", "Zp") for c in name
    )


def key_id(name: str, encoded_key: bytes) -> int:
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + encoded_key).digest()[:4], "big")


def parse_verifier_key(vkey: str) -> tuple[str, int, Ed25519PublicKey]:
    name, _, rest = vkey.partition("+")
    id_hex, _, key64 = rest.partition("+")
    encoded = strict_b64(key64)
    if not is_key_name(name) or not re.fullmatch(r"[0-9a-f]{8}", id_hex) or encoded is None:
        raise ValueError(f"malformed verifier key {vkey!r}")
    if encoded[0] != 0x01 or len(encoded) != 33:
        raise ValueError(f"verifier key {vkey!r} is not an Ed25519 key")
    if key_id(name, encoded) != int(id_hex, 16):
        raise ValueError(f"verifier key {vkey!r}: key ID is not the hash of its name and key")
    return name, int(id_hex, 16), Ed25519PublicKey.from_public_bytes(encoded[1:])


Verifier = tuple[str, int, Ed25519PublicKey]


def derived_verifiers(origin: str, keys: dict[str, Ed25519PublicKey]) -> list[Verifier]:
    """The note verifier of each trusted key under the log's origin: key ID = SHA-256(name, 0x0A, 0x01, key)[:4]."""
    verifiers = []
    for key in keys.values():
        encoded = b"\x01" + key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        verifiers.append((origin, key_id(origin, encoded), key))
    return verifiers


def open_note(message: bytes, verifiers: list[Verifier]) -> str:
    if len(message) > MAX_NOTE_BYTES:
        raise CheckFailed(f"note is {len(message)} bytes, more than {MAX_NOTE_BYTES}")
    try:
        text = message.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckFailed("note is not UTF-8") from None
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise CheckFailed("note contains a control character")
    split = text.rfind("\n\n")
    if split < 0 or not text.endswith("\n"):
        raise CheckFailed("no signature block after a blank line, ending in a newline")
    body, lines = text[: split + 1], text[split + 2 : -1].split("\n")
    if len(lines) > MAX_NOTE_SIGNATURES:
        raise CheckFailed(f"{len(lines)} signature lines")
    known = {(name, id_): key for name, id_, key in verifiers}
    verified = 0
    for line in lines:
        if not line.startswith("\u2014 "):
            raise CheckFailed(f"signature line {line!r} does not start with an em dash and a space")
        signer, _, b64 = line[2:].partition(" ")
        raw = strict_b64(b64)
        if not is_key_name(signer) or raw is None or len(raw) < 5:
            raise CheckFailed(f"malformed signature line {line!r}")
        id_ = int.from_bytes(raw[:4], "big")
        key = known.get((signer, id_))
        if key is None:
            continue  # someone else's signature (a witness, an older key): not ours to judge
        if not verifies(key, raw[4:], body.encode()):
            raise CheckFailed(f"the signature by {signer}+{id_:08x} does not verify")
        verified += 1
    if not verified:
        raise CheckFailed("not signed by " + ", ".join(f"{n}+{i:08x}" for n, i, _ in verifiers))
    return body


def parse_checkpoint(body: str, origin: str) -> tuple[int, bytes]:
    lines = body[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise CheckFailed("a checkpoint is at least 3 non-empty lines")
    if lines[0] != origin:
        raise CheckFailed(f"origin {lines[0]!r}, expected {origin!r}")
    if not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise CheckFailed(f"tree size {lines[1]!r}")
    root = strict_b64(lines[2])
    if root is None or len(root) != 32:
        raise CheckFailed("root hash is not base64 of 32 bytes")
    return int(lines[1]), root


def read_leaves(path: Path) -> list[str]:
    leaves = path.read_text("utf-8").split("\n")
    if leaves and leaves[-1] == "":
        leaves.pop()
    for i, leaf in enumerate(leaves):
        if not SHA256_HEX.fullmatch(leaf):
            raise ValueError(f"{path}: line {i + 1} is not a sha256 hex digest")
    return leaves


def verify_checkpoints(
    args: argparse.Namespace, keys: dict[str, Ed25519PublicKey], bundles: list[Bundle], results: list[Result]
) -> None:
    tlog = args.data_dir / "tlog"
    if args.verifier_key:
        verifiers = [parse_verifier_key(args.verifier_key)]
        origin = args.origin or verifiers[0][0]
    else:
        origin = args.origin or (tlog / "origin").read_text("utf-8").strip()
        verifiers = derived_verifiers(origin, keys)
    leaves_file = Path(args.log_leaves) if args.log_leaves else tlog / "leaves"
    leaves = read_leaves(leaves_file)
    seals = {b.digest: b for b in bundles if b.kind == "seal"}
    own = [str(tlog / "checkpoint")] if (tlog / "checkpoint").is_file() and not args.log_leaves else []
    for path in own + args.checkpoint:
        subject = f"checkpoint:{path}"
        run = FileRun(Path(subject), results)
        body = run.check("checkpoint_note", lambda: open_note(Path(path).read_bytes(), verifiers))
        parsed = run.check("checkpoint_body", lambda: parse_checkpoint(body, origin)) if body else None
        if parsed is None:
            run.skip("checkpoint_tree")
            continue
        size, root = parsed
        run.check("checkpoint_tree", lambda: check_tree(leaves, size, root))
    problems = []
    for index, leaf in enumerate(leaves):
        if leaf not in seals:
            problems.append(f"leaf {index} ({leaf}) is no seal in the directory: a session deleted or re-sealed")
    logged = set(leaves)
    problems += [f"{b.file} is sealed but not in the log" for d, b in sorted(seals.items()) if d not in logged]
    results.append(Result("checkpoint_seals", f"log:{leaves_file}", "fail" if problems else "pass", "; ".join(problems)))


def check_tree(leaves: list[str], size: int, root: bytes) -> None:
    if size > len(leaves):
        raise CheckFailed(f"checkpoint covers {size} leaves, the log has {len(leaves)}")
    if merkle_root([bytes.fromhex(leaf) for leaf in leaves[:size]]) != root:
        raise CheckFailed(f"root is not the RFC 6962 root of the log's first {size} leaves")


# ---- Main -------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--keys", type=Path, help="trusted public key set (default: DATA_DIR/keys/public-keys.json)")
    parser.add_argument("--checkpoint", action="append", default=[], help="a signed checkpoint note file")
    parser.add_argument("--log-leaves", help="the log's leaves: one seal digest (hex) per line, in log order")
    parser.add_argument("--verifier-key", help="the log's verifier key, <name>+<key ID>+<base64 key>")
    parser.add_argument("--origin", help="the log's origin (default: the verifier key's name)")
    parser.add_argument("--json", action="store_true", help="print every result as JSON")
    args = parser.parse_args()
    has_log = (args.data_dir / "tlog" / "leaves").is_file()
    if (args.checkpoint or args.verifier_key) and not (args.log_leaves or has_log):
        parser.error("--checkpoint needs the log's leaves: DATA_DIR/tlog/leaves, or --log-leaves")

    try:
        keys = load_key_set(args.keys or args.data_dir / "keys" / "public-keys.json")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UnsupportedAlgorithm) as error:
        print(f"verify_bundles.py: cannot read the key set: {error}", file=sys.stderr)
        return 2
    segments = sorted(p for p in (args.data_dir / "segments").glob("*.jsonl") if SEGMENT_NAME.fullmatch(p.name))
    files = sorted((args.data_dir / "bundles").rglob("*.dsse.json"))
    if not files and not segments:
        print(f"verify_bundles.py: no segments or bundle files under {args.data_dir}", file=sys.stderr)
        return 2

    results: list[Result] = []
    verified = [verify_file(f, keys, results) for f in files]
    for segment in segments:
        for name, text in segment_records(segment, results):
            verified.append(verify_file(Path(name), keys, results, text))
    bundles = [b for b in verified if b is not None]
    verify_sessions(bundles, results)
    if args.checkpoint or args.log_leaves or has_log:
        try:
            verify_checkpoints(args, keys, bundles, results)
        except (OSError, ValueError) as error:
            print(f"verify_bundles.py: {error}", file=sys.stderr)
            return 2

    failed = [r for r in results if r.status == "fail"]
    if args.json:
        json.dump({"ok": not failed, "results": [asdict(r) for r in results]}, sys.stdout, indent=1)
        print()
    for r in failed:
        print(f"FAIL {r.check} {r.subject}: {r.detail}", file=sys.stderr)
    names = sorted({r.check for r in failed})
    print(
        f"verify_bundles.py: {len(files)} files, {len(segments)} segments, {len(results)} checks, {len(failed)} failed"
        + (f" ({', '.join(names)})" if names else ""),
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
