// What package.json promises VS Code (the extension guides' manifest), checked against the code that keeps it:
// the extension runs where the workspace is (Remote-SSH, Dev Containers, Codespaces: next to the data and the GPU);
// an untrusted folder cannot set the backbone (a URL fetched and run) or the cache (a path written), and the settings
// reader really ignores those; no virtual workspaces; Compare Runs is reachable from a multi-selection in Saved Models.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const nls: Record<string, string> = JSON.parse(readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8'));
/** A display string as VS Code shows it in English: `%key%` read from package.nls.json. */
const english = (value: string) => value.replace(/^%(.+)%$/, (_, key: string) => nls[key] ?? value);

describe('package.json: where the extension runs and what an untrusted folder may set', () => {
  it('runs in the workspace extension host, never in a virtual workspace', () => {
    assert.deepEqual(manifest.extensionKind, ['workspace']);
    assert.equal(manifest.capabilities.virtualWorkspaces.supported, false);
    assert.match(english(manifest.capabilities.virtualWorkspaces.description), /virtual file system/);
  });

  it('supports untrusted workspaces in part: the backbone and the cache location are restricted settings', () => {
    const trust = manifest.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, 'limited');
    assert.match(english(trust.description), /Backbone and Cache Location/);
    assert.deepEqual(trust.restrictedConfigurations, ['transferLab.backbone', 'transferLab.cacheLocation']);
    const settings = manifest.contributes.configuration.properties;
    for (const key of trust.restrictedConfigurations) assert.ok(settings[key], `${key} is not a contributed setting`);
    // The code honours the list: each restricted setting is read through restricted(), which drops workspace values.
    const reader = readFileSync(path.join(ROOT, 'src/extension/settings.ts'), 'utf8');
    for (const key of trust.restrictedConfigurations) {
      const name = key.replace(/^transferLab\./, '');
      assert.match(reader, new RegExp(`${name}: restricted\\(c, '${name}'`), `${key} is read without the trust check`);
      assert.doesNotMatch(reader, new RegExp(`c\\.get[^(]*\\('${name}'`), `${key} is also read with get()`);
    }
  });

  it('contributes Compare Runs to the Saved Models context menu and toolbar, and opens its panel after a reload', () => {
    assert.ok(manifest.contributes.commands.some((c: { command: string }) => c.command === 'transferLab.compareRuns'));
    const menu = manifest.contributes.menus['view/item/context'].find((m: { command: string }) => m.command === 'transferLab.compareRuns');
    assert.match(menu.when, /view == transferLab\.savedModels/);
    assert.match(menu.when, /viewItem =~ \/\^run/);
    assert.ok(manifest.contributes.menus['view/title'].some((m: { command: string }) => m.command === 'transferLab.compareRuns'));
    assert.ok(manifest.activationEvents.includes('onWebviewPanel:transferLab.compare'));
    const tree = readFileSync(path.join(ROOT, 'src/extension/savedModelsView.ts'), 'utf8');
    assert.match(tree, /canSelectMany: true/);
  });
});
