import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clipProbability, csvField, decimalsFor, predictionsCsv, sortRows } from '../../../src/core/predictionsCsv';

describe('predictions CSV', () => {
  const ids = (xs: string[]) => sortRows(xs.map((id) => ({ id, values: [] }))).map((r) => r.id);
  const sorts: [string, string[], string[]][] = [
    ['numeric ids in numeric order', ['10', '2', '1', '100'], ['1', '2', '10', '100']],
    ['ids beyond 2^53 still exact', ['9007199254740993', '9007199254740992'], ['9007199254740992', '9007199254740993']],
    ['one non-numeric id: all by name', ['10', '2', 'a'], ['10', '2', 'a']],
    ['names in code-unit order, not locale order', ['b', 'B', 'a'], ['B', 'a', 'b']],
  ];
  for (const [name, input, expected] of sorts) it(`sorts ${name}`, () => assert.deepEqual(ids(input), expected));

  it('writes a fixed number of decimals, so equal inputs give equal bytes', () => {
    const csv = predictionsCsv(['label'], [{ id: '2', values: [0.5] }, { id: '1', values: [1 / 3] }]);
    assert.equal(csv, 'id,label\n1,0.333333\n2,0.500000\n');
  });

  it('multi-class: one column per class, quoted where CSV needs it', () => {
    const csv = predictionsCsv(['a', 'b,c'], [{ id: 'x"1', values: [0.25, 0.75] }]);
    assert.equal(csv, 'id,a,"b,c"\n"x""1",0.250000,0.750000\n');
    assert.equal(csvField('plain'), 'plain');
  });

  it('clips to [clip, 1 − clip] and prints enough decimals to show the bound', () => {
    assert.equal(clipProbability(0, 0.01), 0.01);
    assert.equal(clipProbability(1, 0.01), 0.99);
    assert.equal(clipProbability(0.3), 0.3);
    assert.equal(decimalsFor(undefined), 6);
    assert.equal(decimalsFor(0.01), 6);
    assert.equal(decimalsFor(1e-15), 16);
    assert.equal((1e-15).toFixed(decimalsFor(1e-15)), '0.0000000000000010');
  });
});
