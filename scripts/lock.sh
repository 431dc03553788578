#!/usr/bin/env bash
# Re-pin requirements/base.txt and requirements/dev.txt from the .in files, in throwaway venvs.
set -euo pipefail
cd "$(dirname "$0")/.."
for name in base dev; do
  tmp=$(mktemp -d)
  python3 -m venv "$tmp"
  "$tmp/bin/pip" install --quiet --upgrade pip
  "$tmp/bin/pip" install --quiet -r "requirements/$name.in"
  { echo "# Generated from $name.in: every package pinned. Regenerate with scripts/lock.sh."
    "$tmp/bin/pip" freeze; } > "requirements/$name.txt"
  rm -rf "$tmp"
done
