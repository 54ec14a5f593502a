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

  describe('a test file is read with the training file\'s columns', () => {
    writeFileSync(join(dir, 'reordered.csv'), 'label,b,a\n1,1,0.5\n0,-2,1.5\n');
    writeFileSync(join(dir, 'in-order.csv'), 'a,b,label\n0.5,1,1\n1.5,-2,0\n');
    writeFileSync(join(dir, 'extra-column.csv'), 'a,b,c,label\n0.5,1,9,1\n');
    writeFileSync(join(dir, 'missing-column.csv'), '\na,label\n0.5,1\n');
    writeFileSync(join(dir, 'wide.csv'), '1,2,3,0\n');
    writeFileSync(join(dir, 'narrow.csv'), '1,2,0\n4,5,1\n');

    it('matches columns by name, so another order gives the same data', async () => {
      const ordered = await csv.load({ ...base, test: 'in-order.csv', labelColumn: 'label' }, ctx);
      const reordered = await csv.load({ ...base, test: 'reordered.csv', labelColumn: 'label' }, ctx);
      assert.deepEqual(Array.from(reordered.test.x), [0.5, 1, 1.5, -2]);
      assert.deepEqual(Array.from(reordered.test.y), [1, 0]);
      assert.deepEqual(Array.from(reordered.test.x), Array.from(ordered.test.x));
      assert.deepEqual(Array.from(reordered.test.y), Array.from(ordered.test.y));
      const named = await csv.load({ ...base, test: 'reordered.csv', labelColumn: 'label', featureColumns: ['b'] }, ctx);
      assert.deepEqual(Array.from(named.test.x), [1, -2]);
    });

    it('refuses a test file with another set of columns at its header line, naming them', async () => {
      await assert.rejects(csv.load({ ...base, test: 'extra-column.csv', labelColumn: 'label' }, ctx), (e: Error & { param?: string }) => {
        assert.match(e.message, /extra-column\.csv:1: its columns differ from the training file's \(.*train\.csv: a, b, label\): it has 'c', which the training file has not/);
        assert.equal(e.param, 'test');
        return true;
      });
      await assert.rejects(csv.load({ ...base, test: 'missing-column.csv', labelColumn: 'label' }, ctx), /missing-column\.csv:2: its columns differ .*: it lacks 'b'\. Columns are matched by name/);
    });

    it('without a header, needs the same number of columns in both files', async () => {
      const noHeader = { train: 'narrow.csv', header: false, delimiter: ',', labelColumn: 2 };
      await assert.rejects(csv.load({ ...noHeader, test: 'wide.csv' }, ctx), /wide\.csv:1: has 4 columns, the training file .*narrow\.csv has 3; with header: false columns are matched by position/);
      assert.equal((await csv.load({ ...noHeader, test: 'narrow.csv' }, ctx)).test.count, 2);
    });

    it('refuses a header that names a column twice', async () => {
      writeFileSync(join(dir, 'twice.csv'), 'a,a,label\n1,2,0\n');
      await assert.rejects(csv.load({ ...base, train: 'twice.csv', labelColumn: 'label' }, ctx), /twice\.csv:1: the header names column 'a' twice/);
    });
  });

  it('reads numbers written in decimal only: hex, octal, binary, Infinity and blanks are errors at their line', async () => {
    writeFileSync(join(dir, 'decimals.csv'), 'a,b,label\n-1.5e-3,.5,0\n+2.,1E2,1\n');
    assert.deepEqual(Array.from((await csv.load({ ...base, train: 'decimals.csv', labelColumn: 'label' }, ctx)).train.x), [-1.5e-3, 0.5, 2, 100].map(Math.fround));
    for (const cell of ['0x10', '0o17', '0b1', 'Infinity', '-Infinity', 'NaN', '', ' ', '1_000', '1,5']) {
      const quoted = `"${cell}"`;
      writeFileSync(join(dir, 'not-decimal.csv'), `a,b,label\n1,2,0\n3,${quoted},1\n`);
      await assert.rejects(
        csv.load({ ...base, test: 'not-decimal.csv', labelColumn: 'label' }, ctx),
        (e: Error) => e.message.includes(`not-decimal.csv:3: column 'b' is not a number (got '${cell.trim()}'); numbers are written in decimal`),
        `cell ${quoted}`,
      );
    }
    writeFileSync(join(dir, 'hex-label.csv'), 'a,b,label\n1,2,0x1\n');
    await assert.rejects(csv.load({ ...base, test: 'hex-label.csv', labelColumn: 'label' }, ctx), /hex-label\.csv:2: column 'label' is not a number \(got '0x1'\); numbers are written in decimal/);
    writeFileSync(join(dir, 'huge.csv'), 'a,b,label\n1e999,2,0\n');
    await assert.rejects(csv.load({ ...base, test: 'huge.csv', labelColumn: 'label' }, ctx), /huge\.csv:2: column 'a' is too large for a number/);
  });

  it('needs two classes: labels that are all 0 are an error unless classes is set', async () => {
    writeFileSync(join(dir, 'zeros.csv'), 'a,b,label\n1,2,0\n3,4,0\n');
    const zeros = { ...base, train: 'zeros.csv', test: 'zeros.csv', labelColumn: 'label' };
    for (const run of [csv.inspect, csv.load]) {
      await assert.rejects(run(zeros, ctx), (e: Error & { param?: string }) => {
        assert.match(e.message, /a classification needs at least 2 classes, but the labels in .*zeros\.csv are all 0: set classes/);
        assert.equal(e.param, 'labelColumn');
        return true;
      });
    }
    assert.equal((await csv.inspect({ ...zeros, classes: 3 }, ctx)).classes, 3);
    assert.equal((await csv.inspect({ ...zeros, test: 'test.csv' }, ctx)).classes, 2, 'a 1 in the test file makes two classes');
  });

  it('needs a data row in each file, naming the file', async () => {
    writeFileSync(join(dir, 'header-only.csv'), 'a,b,label\n');
    await assert.rejects(csv.inspect({ ...base, test: 'header-only.csv', labelColumn: 'label' }, ctx), /header-only\.csv: no data rows; each split needs at least one sample/);
  });

  it('needs exactly one of labelColumn and targetColumns', () => {
    assert.equal(csv.check!({ ...base }).length, 1);
    assert.equal(csv.check!({ ...base, labelColumn: 'label', targetColumns: ['a'] }).length, 1);
    assert.equal(csv.check!({ ...base, labelColumn: 'label' }).length, 0);
  });
});
