// The strings Transfer Lab shows through VS Code's localisation: the `l10n.t('…')` messages in src/extension (the
// runtime bundle, l10n/bundle.l10n.json) and the `%key%` references in package.json (package.nls.json). One reader
// for the bundle script (scripts/l10n-bundle.mjs) and the test that keeps both files exact
// (test/unit/extension/l10n.test.ts). Written here rather than taken from @vscode/l10n-dev: that package is not in
// package-lock.json, and CI installs offline.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Every .ts file below `dir`, sorted so the bundle's order does not depend on readdir. */
export function sourceFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts')) files.push(full);
  }
  return files.sort();
}

/** `{0}`, `{1}`, …: the positional placeholders l10n.t fills from its arguments. */
export function placeholdersOf(message) {
  return [...new Set([...message.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
}

/**
 * Every `l10n.t(…)` call in the files: its message when the first argument is a string literal, else a problem
 * naming the place (a message built at run time cannot be in the bundle a translator copies).
 */
export function collectL10nCalls(files) {
  const calls = [];
  const problems = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node) => {
      if (ts.isCallExpression(node) && isL10nT(node.expression)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        const where = `${file}:${line + 1}`;
        const [first, ...rest] = node.arguments;
        if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
          calls.push({ message: first.text, args: rest.length, where });
        } else {
          problems.push(`${where}: l10n.t's message is not a string literal`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { calls, problems };
}

/** `vscode.l10n.t` or `l10n.t`. */
function isL10nT(callee) {
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 't') return false;
  const owner = callee.expression;
  return (ts.isIdentifier(owner) && owner.text === 'l10n') ||
    (ts.isPropertyAccessExpression(owner) && owner.name.text === 'l10n');
}

/** The English bundle as @vscode/l10n-dev writes it: each message is its own key and value, sorted. */
export function englishBundle(messages) {
  return Object.fromEntries([...new Set(messages)].sort().map((m) => [m, m]));
}

/**
 * Every `%key%` string anywhere in package.json, with the JSON path where it stands. The key's characters are the
 * ones VS Code's manifest reader replaces (letters, digits, `_`, `.`, `-`): `%a+b%` is shown as it is written.
 */
export function nlsReferences(manifest, where = '') {
  if (typeof manifest === 'string') {
    const m = /^%([\w.-]+)%$/.exec(manifest);
    return m ? [{ key: m[1], where }] : [];
  }
  if (manifest && typeof manifest === 'object') {
    return Object.entries(manifest).flatMap(([k, v]) => nlsReferences(v, where ? `${where}.${k}` : k));
  }
  return [];
}
