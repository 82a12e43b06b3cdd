// The target-specific part of the .vsix ignore list. onnxruntime-node's npm package carries prebuilt binaries for
// every platform (bin/napi-v6/<os>/<arch>/, ~290 MB in all); a platform .vsix keeps only its own. vsce has no
// per-target ignore, so scripts/package.mjs appends these patterns to .vscodeignore and passes the result with
// --ignoreFile. Pure, so test/unit/packaging.test.ts checks it without building a .vsix.

export const ORT_PACKAGE = 'node_modules/onnxruntime-node';
export const ORT_BIN = `${ORT_PACKAGE}/bin/napi-v6`;
/** The <os>/<arch> folders onnxruntime-node@1.30 may ship (1.30.0 itself has no darwin/x64). */
export const ORT_PLATFORM_DIRS = ['darwin/arm64', 'darwin/x64', 'linux/arm64', 'linux/x64', 'win32/arm64', 'win32/x64'];

/**
 * The onnxruntime-node binary folder ("linux/x64") a vsce target loads, or undefined where there is none: alpine
 * (the Linux binaries link glibc), linux-armhf and web.
 * @param {string} target a vsce target: linux-x64, win32-arm64, darwin-arm64, ...
 * @returns {string | undefined}
 */
export function ortPlatformDir(target) {
  const m = /^(win32|linux|darwin)-(x64|arm64)$/.exec(target);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/**
 * Ignore patterns (vsce / .vscodeignore syntax, no negations) that leave onnxruntime-node in a .vsix for `target`
 * with only that platform's CPU binaries and the JS that require('onnxruntime-node') loads (dist/, package.json,
 * onnxruntime-common).
 * @param {string} target a vsce target
 * @param {readonly string[]} [presentDirs] the <os>/<arch> folders under bin/napi-v6 on disk, so a folder a newer
 *   onnxruntime-node adds is dropped too
 * @returns {string[]}
 */
export function packagingIgnorePatterns(target, presentDirs = []) {
  const own = ortPlatformDir(target);
  if (!own) {
    // No binary for this target: ship no onnxruntime at all, so require('onnxruntime-node') fails as it does
    // when the optional dependency is not installed.
    return [`${ORT_PACKAGE}/**`, 'node_modules/onnxruntime-common/**'];
  }
  const dirs = [...new Set([...ORT_PLATFORM_DIRS, ...presentDirs])].sort();
  return [
    ...dirs.filter((d) => d !== own).map((d) => `${ORT_BIN}/${d}/**`),
    // GPU execution providers a CUDA install (see README) downloads beside the CPU binaries: hundreds of MB, and
    // the .vsix ships the CPU provider only.
    `${ORT_BIN}/**/*onnxruntime_providers_*`,
    // The postinstall script and what only it needs (the CUDA download); TypeScript sources go via **/*.ts.
    `${ORT_PACKAGE}/script/**`,
    `${ORT_PACKAGE}/node_modules/adm-zip/**`,
    'node_modules/global-agent/**',
  ];
}
