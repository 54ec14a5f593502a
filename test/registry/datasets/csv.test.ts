import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import csv from '../../../src/registry/datasets/csv.js';
import { makeTempDir } from '../../run-helpers.js';

describe('datasets/csv', () => {
  const dir = makeTempDir();
  writeFileSync(join(dir, 'train.csv'), 'a,b,label\n0.5,1,0\n1.5,-2,1\n\n2,3,2\n');
  writeFileSync(join(dir, 'test.csv'), 'a,b,label\n1,1,1\n');
  writeFileSync(join(dir, 'bad-field.csv'), 'a,b,label\n1,1,1\n1,x,0\n');
  writeFileSync(join(dir, 'short-row.csv'), 'a,b,label\n1,1,1\n1,0\n');
  writeFileSync(join(dir, 'regression.csv'), 'x1;x2;y1;y2\n1;2;3;4\n5;6;7;8\n');
  const ctx = { baseDir: dir };
  const base = { train: 'train.csv', test: 'test.csv', header: true, delimiter: ',' };

  it('reads features and a label column, classes from the largest label', async () => {
    const data = await csv.load({ ...base, labelColumn: 'label' }, ctx);
    assert.deepEqual(data.facts, { sampleShape: [2], classes: 3, trainSize: 3, testSize: 1, source: join(dir, 'train.csv') });
    assert.deepEqual(Array.from(data.train.x), [0.5, 1, 1.5, -2, 2, 3]);
    assert.deepEqual(Array.from(data.train.y), [0, 1, 2]);
    assert.ok(data.train.x.buffer instanceof SharedArrayBuffer);
  });

  it('reads value targets for regression, by name with another delimiter, or by index without a header', async () => {
    const named = await csv.load({ train: 'regression.csv', test: 'regression.csv', header: true, delimiter: ';', targetColumns: ['y1', 'y2'] }, ctx);
    assert.deepEqual(named.facts.targetShape, [2]);
    assert.deepEqual(Array.from(named.train.x), [1, 2, 5, 6]);
    assert.deepEqual(Array.from(named.train.target!), [3, 4, 7, 8]);
    writeFileSync(join(dir, 'noheader.csv'), '1,2,3\n4,5,6\n');
    const indexed = await csv.load({ train: 'noheader.csv', test: 'noheader.csv', header: false, delimiter: ',', targetColumns: [2] }, ctx);
    assert.deepEqual(Array.from(indexed.train.target!), [3, 6]);
  });

  it('reports a bad row with its file and line number', async () => {
    await assert.rejects(csv.load({ ...base, test: 'bad-field.csv', labelColumn: 'label' }, ctx), (e: Error & { param?: string }) => {
      assert.match(e.message, /bad-field\.csv:3: column 'b' is not a number \(got 'x'\)/);
      assert.equal(e.param, 'test');
      return true;
    });
    await assert.rejects(csv.load({ ...base, test: 'short-row.csv', labelColumn: 'label' }, ctx), /short-row\.csv:3: expected 3 fields, got 2/);
  });

  it('names the columns there are when one is missing', async () => {
    await assert.rejects(csv.load({ ...base, labelColumn: 'class' }, ctx), /no column 'class' in the header \(columns: a, b, label\)/);
  });

  it('needs exactly one of labelColumn and targetColumns', () => {
    assert.equal(csv.check!({ ...base }).length, 1);
    assert.equal(csv.check!({ ...base, labelColumn: 'label', targetColumns: ['a'] }).length, 1);
    assert.equal(csv.check!({ ...base, labelColumn: 'label' }).length, 0);
  });
});
