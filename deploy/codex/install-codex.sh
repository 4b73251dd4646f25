#!/usr/bin/env bash
# Installs the real Codex CLI that the end-to-end test and the benchmark drive, on demand, into a cache outside
# the repository (it is ~400 MB and not a dependency of proofline). Prints the path of the `codex` command.
#
#   install-codex.sh            install once, then print the path (later runs only print it)
#
# Environment: PROOFLINE_CODEX_HOME (default ~/.cache/proofline/codex-<version>), PROOFLINE_CODEX_VERSION.
# Only the npm registry is contacted: the platform binary is the registry package
# @openai/codex@<version>-<platform>, pulled in through the launcher's optionalDependencies.
set -euo pipefail

version="${PROOFLINE_CODEX_VERSION:-0.169.0}"
prefix="${PROOFLINE_CODEX_HOME:-$HOME/.cache/proofline/codex-$version}"
codex="$prefix/node_modules/.bin/codex"

die() {
  echo "install-codex.sh: $*" >&2
  exit 1
}

# Installed means: the launcher is there, it is the pinned version, and it can find its platform binary.
installed() {
  [[ -x "$codex" ]] && [[ "$("$codex" --version 2>/dev/null)" == "codex-cli $version" ]]
}

if ! installed; then
  command -v npm >/dev/null || die "npm is required"
  # Into a staging directory first, renamed into place at the end, so an interrupted or concurrent install is
  # never mistaken for a complete one.
  mkdir -p "$(dirname "$prefix")"
  staging="$(mktemp -d "$prefix.partial.XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  npm install --prefix "$staging" --no-audit --no-fund --no-save --loglevel=error "@openai/codex@$version" >&2 \
    || die "npm install @openai/codex@$version failed"
  # The launcher resolves its binary relative to its real path, so the renamed tree keeps working. A broken
  # earlier install is replaced; a complete one that a concurrent run put in place meanwhile is kept.
  installed || rm -rf "$prefix"
  [[ -e "$prefix" ]] || mv "$staging" "$prefix"
  installed || die "codex $version is not runnable after install (no binary for $(uname -sm)?)"
fi

echo "$codex"
