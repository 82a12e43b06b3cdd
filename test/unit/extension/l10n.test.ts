// Localisation (VS Code's l10n guide): what the extension says at run time goes through vscode.l10n.t, whose English
// messages are the keys of l10n/bundle.l10n.json (the file translators copy to bundle.l10n.<lang>.json); what
// package.json shows is a %key% read from package.nls.json (copied to package.nls.<lang>.json). Both files must hold
// exactly the strings in use: a message missing from the bundle cannot be translated, and a stale one is work for
// nothing. Both ship in the .vsix.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { listFiles } from '@vscode/vsce';
import { collectL10nCalls, englishBundle, nlsReferences, placeholdersOf, sourceFiles } from '../../../scripts/l10nStrings.mjs';

const ROOT = path.resolve(__dirname, '../../..');
const read = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));
const manifest = read('package.json');
const nls: Record<string, string> = read('package.nls.json');
const bundle: Record<string, string> = read('l10n/bundle.l10n.json');
const { calls, problems } = collectL10nCalls(sourceFiles(path.join(ROOT, 'src/extension')));

describe('l10n: the runtime bundle holds exactly the messages src/extension passes to vscode.l10n.t', () => {
  it('finds the messages, each a string literal', () => {
    assert.deepEqual(problems, []);
    // Every command file speaks to the user; far fewer would mean the collector stopped seeing the calls.
    assert.ok(calls.length > 100, `only ${calls.length} l10n.t calls found`);
  });

  it('has every message as a key, and no key that no code uses', () => {
    const used = new Set(calls.map((c) => c.message));
    assert.deepEqual([...used].filter((m) => !(m in bundle)), [], 'messages missing from the bundle: node scripts/l10n-bundle.mjs');
    assert.deepEqual(Object.keys(bundle).filter((k) => !used.has(k)), [], 'bundle keys no code uses: node scripts/l10n-bundle.mjs');
  });

  it('is the English bundle exactly as scripts/l10n-bundle.mjs writes it (each message its own translation)', () => {
    assert.deepEqual(bundle, englishBundle(calls.map((c) => c.message)));
  });

  it('passes one argument per {n} placeholder, numbered from {0} without gaps', () => {
    const wrong = calls.filter((c) => {
      const p = placeholdersOf(c.message);
      return p.length !== c.args || p.some((n, i) => n !== i);
    });
    assert.deepEqual(wrong.map((c) => `${c.where}: ${c.args} argument(s) for "${c.message}"`), []);
  });

  it('keeps the notifications tests and people recognise, word for word in English', () => {
    for (const m of ['Show Log', 'Manage Workspace Trust', 'Retrain', 'Transfer Lab: no job is running.',
      'Transfer Lab: {0} failed: {1}', 'Transfer Lab: Feature extractor finished, best val_acc {0}.']) {
      assert.equal(bundle[m], m);
    }
  });
});

describe('l10n: package.json display strings come from package.nls.json', () => {
  const refs = nlsReferences(manifest);

  it('resolves every %key% and uses every key', () => {
    assert.deepEqual(refs.filter((r) => !(r.key in nls)).map((r) => `${r.where}: %${r.key}%`), []);
    const used = new Set(refs.map((r) => r.key));
    assert.deepEqual(Object.keys(nls).filter((k) => !used.has(k)), []);
    for (const [key, text] of Object.entries(nls)) assert.ok(text.trim(), `${key} is empty`);
  });

  it('leaves no English in the fields a translator translates (the product name "Transfer Lab" aside)', () => {
    const c = manifest.contributes;
    const fields: [string, unknown][] = [
      ...c.commands.map((x: { command: string; title: string }) => [`${x.command} title`, x.title]),
      ...Object.values(c.views).flat().map((v) => [`view ${(v as { id: string }).id}`, (v as { name: string }).name]),
      ...c.viewsWelcome.map((w: { view: string; contents: string }) => [`viewsWelcome ${w.view}`, w.contents]),
      ...Object.entries(c.configuration.properties).flatMap(([key, p]) => {
        const { description, markdownDescription, enumDescriptions = [] } = p as Record<string, string & string[]>;
        return [[`${key} description`, description ?? markdownDescription],
          ...(markdownDescription && description ? [[`${key} markdownDescription`, markdownDescription]] : []),
          ...enumDescriptions.map((d: string, i: number) => [`${key} enumDescriptions[${i}]`, d])];
      }),
      ...c.walkthroughs.flatMap((w: { id: string; title: string; description: string; steps: { id: string; title: string; description: string }[] }) => [
        [`walkthrough ${w.id} title`, w.title], [`walkthrough ${w.id} description`, w.description],
        ...w.steps.flatMap((s) => [[`step ${s.id} title`, s.title], [`step ${s.id} description`, s.description]]),
      ]),
      ...c.customEditors.map((e: { viewType: string; displayName: string }) => [`customEditor ${e.viewType}`, e.displayName]),
      ...Object.entries(manifest.capabilities).map(([k, v]) => [`capabilities.${k}`, (v as { description: string }).description]),
    ];
    assert.ok(fields.length > 50, `only ${fields.length} fields`);
    assert.deepEqual(fields.filter(([, v]) => typeof v !== 'string' || !/^%[\w.-]+%$/.test(v)).map(([w, v]) => `${w}: ${v}`), []);
    for (const cmd of c.commands) assert.ok(cmd.category === undefined || cmd.category === 'Transfer Lab', cmd.command);
  });

  it('keeps the English titles the palette and the UI tests look for', () => {
    const title = (id: string) => nls[manifest.contributes.commands.find((x: { command: string }) => x.command === id).title.slice(1, -1)];
    assert.equal(title('transferLab.prepareDataset'), 'Prepare Dataset');
    assert.equal(title('transferLab.showDashboard'), 'Show Dashboard');
    assert.equal(title('transferLab.openRunInDashboard'), 'Open in Dashboard');
    assert.equal(title('transferLab.classifyImages'), 'Classify with Transfer Lab');
    assert.equal(nls[manifest.contributes.customEditors[0].displayName.slice(1, -1)], 'Transfer Lab Prediction');
  });
});

describe('l10n: the .vsix carries the strings', () => {
  it('points VS Code at l10n/ and ships package.nls.json and the bundle', async () => {
    assert.equal(manifest.l10n, './l10n');
    const files = await listFiles({ cwd: ROOT, ignoreFile: path.join(ROOT, '.vscodeignore') });
    for (const f of ['package.nls.json', 'l10n/bundle.l10n.json']) assert.ok(files.includes(f), `${f} does not ship`);
  });
});
