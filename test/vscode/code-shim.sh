#!/usr/bin/env bash
# Stand-in "VS Code executable" for @vscode/test-electron's vscodeExecutablePath on machines that cannot
# download desktop VS Code. It takes the Electron-style arguments, starts a private code-server with the
# smoke-test driver, runs the suites in its Node extension host through headless Chromium, and exits with
# the suites' result.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/env.sh"
DEV=""; TESTS=""; FOLDER=""
for a in "$@"; do
  case "$a" in
    --extensionDevelopmentPath=*) DEV="${a#*=}" ;;
    --extensionTestsPath=*) TESTS="${a#*=}" ;;
    --*) ;;                                          # desktop-only flags (user-data-dir, disable-gpu, ...)
    *) [ -d "$a" ] && FOLDER="$(cd "$a" && pwd)" ;;  # the workspace folder
  esac
done
[ -n "$DEV" ] && [ -n "$TESTS" ] && [ -n "$FOLDER" ] || { echo "code-shim: need --extensionDevelopmentPath, --extensionTestsPath and a folder" >&2; exit 2; }
PORT_=${TL_TEST_PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
DATA=$(mktemp -d "$VSCODE_ROOT/shim-XXXX")
mkdir -p "$DATA/user/User"
cp "$HERE/settings.json" "$DATA/user/User/settings.json"
cd "$FOLDER"
PATH="$(dirname "$NODE24"):$PATH" HOME="$CS_HOME" XDG_CONFIG_HOME="$CS_HOME/.config" XDG_DATA_HOME="$CS_HOME/.local/share" \
setsid "$CS" --bind-addr "127.0.0.1:$PORT_" --auth none --disable-telemetry --disable-update-check --disable-workspace-trust \
  --user-data-dir "$DATA/user" --extensions-dir "$DATA/ext" --vscode-option enable-smoke-test-driver "$FOLDER" \
  > "$DATA/code-server.log" 2>&1 < /dev/null &
CSPID=$!
for _ in $(seq 1 240); do curl -fsS "http://127.0.0.1:$PORT_/healthz" >/dev/null 2>&1 && break; sleep 0.25; done
node "$HERE/run-ext-tests.js" "$PORT_" "$DEV" "${TESTS%.js}" "$FOLDER"; RC=$?
[ $RC = 0 ] || { echo "code-shim: tests failed ($RC); code-server log tail:" >&2; tail -30 "$DATA/code-server.log" >&2; }
kill "$CSPID" 2>/dev/null
for _ in $(seq 1 40); do [ -z "$(ps -o pid= -g "$CSPID")" ] && break; sleep 0.25; done
for p in $(ps -o pid= -g "$CSPID"); do kill -9 "$p" 2>/dev/null; done
rm -rf "$DATA"
exit $RC
