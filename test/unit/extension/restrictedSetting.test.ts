// Restricted Mode: a folder's own backbone and cache settings are ignored until the folder is trusted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restrictedValue, type InspectedSetting } from '../../../src/extension/restrictedSetting';

const cases: { name: string; inspected: InspectedSetting<string> | undefined; trusted: boolean; value: string; ignored?: string }[] = [
  { name: 'untrusted: a workspace URL is ignored, the user value applies', trusted: false, value: 'mine',
    inspected: { defaultValue: 'zoo', globalValue: 'mine', workspaceValue: 'https://evil.example/model.json' },
    ignored: 'https://evil.example/model.json' },
  { name: 'untrusted: a folder path is ignored, the default applies', trusted: false, value: 'zoo',
    inspected: { defaultValue: 'zoo', workspaceFolderValue: '/tmp/owned' }, ignored: '/tmp/owned' },
  { name: 'untrusted: nothing set in the workspace, nothing ignored', trusted: false, value: 'mine',
    inspected: { defaultValue: 'zoo', globalValue: 'mine' } },
  { name: 'trusted: the folder value wins, as get() reads it', trusted: true, value: '/models/x',
    inspected: { defaultValue: 'zoo', globalValue: 'mine', workspaceValue: '/models/w', workspaceFolderValue: '/models/x' } },
  { name: 'trusted: the workspace value over the user value', trusted: true, value: '/models/w',
    inspected: { defaultValue: 'zoo', globalValue: 'mine', workspaceValue: '/models/w' } },
  { name: 'no setting known: the fallback', trusted: false, value: 'fallback', inspected: undefined },
];

describe('restrictedValue', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = restrictedValue(c.inspected, c.trusted, 'fallback');
      assert.deepEqual(got, c.ignored === undefined ? { value: c.value } : { value: c.value, ignored: c.ignored });
    });
  }
});
