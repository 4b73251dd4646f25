"""Validates `proofline report --format ocsf` output with an OCSF 1.5.0 model library proofline did not write.

Reads NDJSON on stdin; prints {"valid": n, "errors": [[line, message], ...]} as JSON. Each event goes through
ocsf-emitter's pydantic model of API Activity (generated from the OCSF 1.5.0 schema: required fields, types,
enums) and its validate() (class and category identity, type_uid = class_uid * 100 + activity_id, the pinned
schema version). Needs `python3 -m pip install ocsf-emitter==0.3.0` (test/interop/requirements.txt; npm test installs it).
"""

import json
import sys

try:
    import ocsf_emitter
except ImportError:
    sys.stderr.write("validate_ocsf.py: needs `python3 -m pip install ocsf-emitter==0.3.0`\n")
    sys.exit(2)

valid = 0
errors = []
for number, line in enumerate(sys.stdin, start=1):
    try:
        event = ocsf_emitter.models.ApiActivity.model_validate(json.loads(line))
        ocsf_emitter.validate(event)
        valid += 1
    except Exception as error:  # noqa: BLE001 -- every failure is reported, none stops the run
        errors.append([number, str(error).splitlines()[0]])
print(json.dumps({"valid": valid, "errors": errors}))
