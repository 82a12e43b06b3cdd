#!/usr/bin/env bash
# Integration suites in a real VS Code extension host. With TL_VSCODE_EXECUTABLE unset, the code-server shim
# stands in for desktop VS Code (which cannot be downloaded on offline machines).
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/vscode/env.sh
[ -x "$CS" ] || { echo "code-server is not installed: run bash test/vscode/install.sh" >&2; exit 1; }
export TL_VSCODE_EXECUTABLE=${TL_VSCODE_EXECUTABLE:-$PWD/test/vscode/code-shim.sh}
export TL_SHARED=${TL_SHARED:-$(cd .. && pwd)/shared}
WS=$(mktemp -d "${TMPDIR:-/tmp}/tl-ws-XXXX")
trap 'rm -rf "$WS"' EXIT
export TL_TEST_WORKSPACE="$WS"
node out/test/integration/runTest.js
