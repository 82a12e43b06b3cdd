#!/usr/bin/env bash
# UI tests in headless Chromium against code-server, with the extension installed from a freshly packaged .vsix.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/vscode/env.sh
[ -x "$CS" ] || { echo "code-server is not installed: run bash test/vscode/install.sh" >&2; exit 1; }
VSIX=$(npm run --silent package 2>/dev/null | tail -1)
[ -f "$VSIX" ] || { echo "packaging failed" >&2; exit 1; }
for t in test/ui/*.ui.js; do
  echo "== $t"
  node "$t" "$PWD/$VSIX"
done
