#!/bin/sh
# proofline's CI gate: verify proof bundles against a key set obtained separately, write a JUnit report, and
# exit with `proofline verify`'s code — 0 pass, 1 a check failed, 2 usage, 3 completeness below the threshold.
# Any CI system can run it; deploy/ci/github-actions.yml is a GitHub Actions workflow around it.
#
#   verify-gate.sh --keys FILE [--min-completeness X] [--junit FILE] [--approvers FILE] [--policy FILE]... PATH...
#
# Each option also reads a variable: PROOFLINE_KEYS, PROOFLINE_MIN_COMPLETENESS (default 0.95), PROOFLINE_JUNIT
# (default proofline-junit.xml), PROOFLINE_APPROVERS. PROOFLINE_BIN is the command to run (default `proofline`
# on PATH). The keys are required: bundles checked against keys that came with them prove only that they agree
# with themselves, so the gate refuses to run without a key set pinned outside the bundles.
set -u

keys=${PROOFLINE_KEYS-}
min=${PROOFLINE_MIN_COMPLETENESS-0.95}
junit=${PROOFLINE_JUNIT-proofline-junit.xml}
approvers=${PROOFLINE_APPROVERS-}
bin=${PROOFLINE_BIN-proofline}
policies=''

usage() {
  printf 'verify-gate.sh: %s\nusage: verify-gate.sh --keys FILE [--min-completeness X] [--junit FILE] [--approvers FILE] [--policy FILE]... PATH...\n' "$1" >&2
  exit 2
}

# Options first; what follows is the bundle paths (data directories or bundle files).
while [ $# -gt 0 ]; do
  case $1 in
  --keys) [ $# -ge 2 ] || usage '--keys needs a file'; keys=$2; shift 2 ;;
  --min-completeness) [ $# -ge 2 ] || usage '--min-completeness needs a number'; min=$2; shift 2 ;;
  --junit) [ $# -ge 2 ] || usage '--junit needs a file'; junit=$2; shift 2 ;;
  --approvers) [ $# -ge 2 ] || usage '--approvers needs a file'; approvers=$2; shift 2 ;;
  --policy)
    [ $# -ge 2 ] || usage '--policy needs a file'
    # Kept newline-separated; read back below without word splitting on spaces.
    policies="$policies$2
"
    shift 2
    ;;
  --) shift; break ;;
  -*) usage "unknown option $1" ;;
  *) break ;;
  esac
done
[ $# -gt 0 ] || usage 'name the bundles to verify (data directories or bundle files)'
[ -n "$keys" ] || usage 'a trusted key set is required (--keys or PROOFLINE_KEYS): keys that came with the bundles prove nothing'
[ -f "$keys" ] && [ -r "$keys" ] || usage "the key set $keys is missing or unreadable"
command -v "$bin" >/dev/null 2>&1 || usage "cannot run $bin (install proofline, or set PROOFLINE_BIN)"

# The bundle paths stay in "$@"; the options are put in front of them.
set -- --keys "$keys" --min-completeness "$min" --format junit "$@"
[ -z "$approvers" ] || set -- --approvers "$approvers" "$@"
if [ -n "$policies" ]; then
  old_ifs=$IFS
  IFS='
'
  for policy in $policies; do set -- --policy "$policy" "$@"; done
  IFS=$old_ifs
fi

"$bin" verify "$@" >"$junit"
code=$?

tests=$(sed -n 's/^<testsuites [^>]* tests="\([0-9]*\)" failures="\([0-9]*\)".*/\1 checks, \2 failed/p' "$junit")
case $code in
0) verdict='PASS' ;;
1) verdict='FAIL: a check failed' ;;
3) verdict="FAIL: completeness below $min" ;;
*) verdict='ERROR: proofline verify could not run' ;;
esac
printf 'proofline verify: %s (%s; exit %s); JUnit report in %s\n' "$verdict" "${tests:-no report}" "$code" "$junit"
# The failing checks, one line each, so the log says what failed without opening the report.
grep -B1 '<failure ' "$junit" | sed -n 's/.*<testcase classname="\([^"]*\)" name="\([^"]*\)".*/  failed: \2 (\1)/p'
exit "$code"
