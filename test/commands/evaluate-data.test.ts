// `trainyard evaluate` on another split (--set) or dataset (--dataset), with each class's accuracy
// and the confusion matrix, whose diagonal gives the accuracy it prints.
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, makeTempDir, ROOT, smallLecture, writeExperiment } from '../run-helpers.js';

/** The accuracy column of a trial's row, and its confusion matrix (rows: true class). */
function parse(stdout: string, id: string): { accuracy: number; matrix: number[][]; perClass: number[] } {
  const lines = stdout.split('\n');
  const row = lines.find((l) => l.startsWith(id))!;
  const accuracy = Number(row.trim().split(/\s+/).at(-1));
  const start = lines.findIndex((l) => l.startsWith(`${id}: accuracy per class`)) + 2;
  const rows = lines.slice(start, start + 10).map((l) => l.trim().split(/\s+/).map(Number));
  return { accuracy, matrix: rows.map((r) => r.slice(1, 11)), perClass: rows.map((r) => r[11]!) };
}

describe('trainyard evaluate --set / --dataset: per-class accuracy and the confusion matrix', function () {
  this.timeout(120000);
  const dir = makeTempDir();
  let runDir = '';

  before(async () => {
    const yaml = smallLecture({ name: 'confusion', optimizers: '  - {type: adam, lr: 0.003}' });
    const out = join(dir, 'runs');
    assert.equal((await cliInProcess(['run', writeExperiment(dir, 'confusion', yaml), '--out', out, '--quiet', '--no-report', '--workers', '0'])).code, 0);
    runDir = join(out, 'confusion', readlinkSync(join(out, 'confusion', 'latest')));
  });

  it('on the run\'s test set: figures next to the recorded ones, and a matrix whose diagonal is the accuracy', async () => {
    const result = await cliInProcess(['evaluate', runDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /the run's dataset \(mnist-bundled\), test set \(100 samples\)/);
    assert.match(result.stdout, /testAccuracy recorded {2}testAccuracy now/);
    const { accuracy, matrix, perClass } = parse(result.stdout, 'adam/seed-0');
    const total = matrix.flat().reduce((a, b) => a + b, 0);
    assert.equal(total, 100);
    assert.equal((matrix.reduce((a, row, i) => a + row[i]!, 0) / total).toFixed(6), accuracy.toFixed(6));
    matrix.forEach((row, i) => assert.equal(perClass[i]!.toFixed(4), (row[i]! / row.reduce((a, b) => a + b, 0)).toFixed(4)));
  });

  it('--set train evaluates the training set; --dataset another dataset of the same shape', async () => {
    const train = await cliInProcess(['evaluate', runDir, '--set', 'train']);
    assert.equal(train.code, 0, train.stderr);
    assert.match(train.stdout, /train set \(300 samples\)/);
    assert.equal(parse(train.stdout, 'adam/seed-0').matrix.flat().reduce((a, b) => a + b, 0), 300);
    const other = await cliInProcess(['evaluate', runDir, '--dataset', '{type: mnist-bundled, trainSize: 100, testSize: 400, splitSeed: 5}']);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /dataset mnist-bundled, test set \(400 samples\)/);
    assert.equal(parse(other.stdout, 'adam/seed-0').matrix.flat().reduce((a, b) => a + b, 0), 400);
  });

  it('refuses a dataset the model cannot take, a split the data lacks, a bad spec', async () => {
    const csv = join(ROOT, 'test', 'fixtures', 'golden', 'replay');
    const shape = await cliInProcess(['evaluate', runDir, '--dataset', `{type: csv, train: ${csv}/train.csv, test: ${csv}/test.csv, labelColumn: label}`]);
    assert.equal(shape.code, 2);
    assert.match(shape.stderr, /its samples are \[12\] but the model takes \[1, 28, 28\]/);
    assert.match((await cliInProcess(['evaluate', runDir, '--set', 'validation'])).stderr, /--set validation: the run's dataset holds out no validation set/);
    assert.match((await cliInProcess(['evaluate', runDir, '--set', 'dev'])).stderr, /--set dev: expected one of test, train, validation/);
    assert.match((await cliInProcess(['evaluate', runDir, '--dataset', '{type: mnist-bundled, testSiz: 3}'])).stderr, /dataset\.testSiz: unknown parameter 'testSiz' for dataset 'mnist-bundled'; did you mean 'testSize'\?/);
  });
});
