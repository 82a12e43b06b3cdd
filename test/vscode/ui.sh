#!/usr/bin/env bash
# UI tests in headless Chromium against code-server, with the extension installed from a freshly packaged .vsix.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/vscode/env.sh
[ -x "$CS" ] || { echo "code-server is not installed: run bash test/vscode/install.sh" >&2; exit 1; }
LOG=$(mktemp)
npm run --silent package > "$LOG" 2>&1 || { cat "$LOG" >&2; echo "ui.sh: npm run package failed" >&2; exit 1; }
VSIX=$(tail -1 "$LOG"); rm -f "$LOG"
[ -f "$VSIX" ] || { echo "ui.sh: no .vsix named $VSIX" >&2; exit 1; }
for t in test/ui/*.ui.js; do
  echo "== $t"
  node "$t" "$PWD/$VSIX"
done
