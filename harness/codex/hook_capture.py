#!/usr/bin/env python3
# The hook command of a capture (harness/codex/capture.ts): keeps Codex's stdin byte for byte, the first of
# each event as `<Event>.stdin.json` (one file per event, the fixtures' layout), logs every invocation with its
# stdin to invocations.jsonl, and answers according to MODE. The name and argument order are the fixtures' own
# (`hook_capture.py <dir> <mode>`), which service/replay.ts reads the capture's hook mode from.
#
#   hook_capture.py DIR MODE      MODE: allow | permreq-allow | permreq-deny
import json
import os
import sys
import time

directory, mode = sys.argv[1], sys.argv[2]
raw = sys.stdin.buffer.read()
payload = json.loads(raw)
event = payload.get("hook_event_name", "Unknown")

os.makedirs(directory, exist_ok=True)
first = os.path.join(directory, f"{event}.stdin.json")
if not os.path.exists(first):
    with open(first, "wb") as out:
        out.write(raw)

reply = None
if event == "PermissionRequest" and mode in ("permreq-allow", "permreq-deny"):
    behavior = "allow" if mode == "permreq-allow" else "deny"
    decision = {"behavior": behavior}
    if behavior == "deny":
        decision["message"] = "capture: PermissionRequest deny"
    reply = {"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": decision}}

env = {k: v for k, v in os.environ.items() if k.startswith("CODEX_") or k == "PWD"}
record = {
    "t": time.time(),
    "argv": sys.argv,
    "cwd": os.getcwd(),
    "env": env,
    "stdin": payload,
    "reply": reply,
    "exit_code": 0,
    "stderr": None,
}
with open(os.path.join(directory, "invocations.jsonl"), "a") as log:
    log.write(json.dumps(record) + "\n")
if reply is not None:
    sys.stdout.write(json.dumps(reply))
