// Writes l10n/bundle.l10n.json, the English source translators copy to bundle.l10n.<lang>.json, from the l10n.t
// messages in src/extension. `--check` writes nothing and fails when the file is out of date.
//   node scripts/l10n-bundle.mjs [--check]
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { collectL10nCalls, englishBundle, sourceFiles } from './l10nStrings.mjs';

const OUT = 'l10n/bundle.l10n.json';
const { calls, problems } = collectL10nCalls(sourceFiles('src/extension'));
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
const text = `${JSON.stringify(englishBundle(calls.map((c) => c.message)), null, 2)}\n`;
if (process.argv.includes('--check')) {
  const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  if (current !== text) {
    console.error(`${OUT} is out of date: run node scripts/l10n-bundle.mjs`);
    process.exit(1);
  }
} else {
  // Temp name + rename: a half-written bundle is never what VS Code reads.
  writeFileSync(`${OUT}.tmp`, text);
  renameSync(`${OUT}.tmp`, OUT);
  console.log(`${OUT}: ${Object.keys(JSON.parse(text)).length} messages`);
}
