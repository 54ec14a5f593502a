// Where two features meet: a continued run and a sweep that sets the length, a study that grows
// over a damaged record, a run's own weights bundle (batch norm's state included) as model.init,
// and evaluate scoring each trial by its own sweep point.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, makeTempDir, writeExperiment } from '../run-helpers.js';

const runOf = (out: string, name: string) => join(out, name, readlinkSync(join(out, name, 'latest')));
const run = (args: string[]) => cliInProcess([...args, '--quiet', '--no-report', '--workers', '0']);
const experiment = (name: string, rest: string) => `name: ${name}
dataset: {type: mnist-bundled, trainSize: 200, testSize: 100}
loss: crossEntropy
optimizers: [{name: SGD, type: sgd, lr: 0.05, momentum: 0.9}]
backend: wasm
${rest}`;
const mlp = 'model: {layers: [flatten, {type: dense, units: 16}, relu, {type: dense, units: 10}]}';

describe('commands: features that meet', function () {
  this.timeout(180000);
  const dir = makeTempDir();

  it('--resume --epochs N is refused, nothing written, when the sweep sets each trial\'s epochs', async () => {
    const file = writeExperiment(dir, 'swept', experiment('swept', `${mlp}\ntraining: {epochs: 1, batchSize: 50}\nsweep:\n  grid:\n    training.epochs: [1, 2]`));
    assert.equal((await run(['run', file, '--out', join(dir, 'swept')])).code, 0);
    const runDir = runOf(join(dir, 'swept'), 'swept');
    const plan = readFileSync(join(runDir, 'plan.json'), 'utf8');
    const longer = await run(['run', '--resume', runDir, '--epochs', '3']);
    assert.equal(longer.code, 2);
    assert.match(longer.stderr, /the run's sweep sets training\.epochs per trial/);
    assert.equal(readFileSync(join(runDir, 'plan.json'), 'utf8'), plan);
  });

  it('a study that cannot grow (a damaged record) leaves plan.json as it was', async () => {
    const file = writeExperiment(dir, 'grows', experiment('grows', `${mlp}\ntraining: {epochs: 1, batchSize: 50}\nseeds: {count: 1}`));
    assert.equal((await run(['run', file, '--out', join(dir, 'grows')])).code, 0);
    const runDir = runOf(join(dir, 'grows'), 'grows');
    const plan = readFileSync(join(runDir, 'plan.json'), 'utf8');
    writeFileSync(join(runDir, 'checkpoints', 'sgd', 'seed-0', 'result.json'), '{"damaged');
    const grown = await cliInProcess(['run', '--resume', runDir, '--set', 'seeds.count=2', '--quiet', '--no-report', '--workers', '0']);
    assert.equal(grown.code, 2, grown.stdout + grown.stderr);
    assert.equal(readFileSync(join(runDir, 'plan.json'), 'utf8'), plan);
  });

  it('a run\'s own weights bundle of a batch-norm CNN starts another run (its running statistics included)', async () => {
    const cnn = 'model: {layers: [{type: conv2d, outChannels: 4, kernelSize: 3, padding: 1}, batchNorm, relu, {type: maxPool2d, kernelSize: 2}, flatten, {type: dense, units: 10}]}';
    const file = writeExperiment(dir, 'bn', experiment('bn', `${cnn}\ntraining: {epochs: 1, batchSize: 50}`));
    assert.equal((await run(['run', file, '--out', join(dir, 'bn')])).code, 0);
    const bundle = join(runOf(join(dir, 'bn'), 'bn'), 'weights', 'sgd', 'seed-0', 'weights.json');
    const again = writeExperiment(dir, 'bn-again', experiment('bn-again', `${cnn.replace('model: {layers:', `model: {init: {weights: ${JSON.stringify(bundle)}}, layers:`)}\ntraining: {epochs: 1, batchSize: 50}`));
    const validated = await cliInProcess(['validate', again]);
    assert.equal(validated.code, 0, validated.stdout + validated.stderr);
    assert.equal((await run(['run', again, '--out', join(dir, 'bn-again')])).code, 0);
  });

  it('evaluate scores each trial of a sweep by its own point (a swept loss param)', async () => {
    const file = writeExperiment(dir, 'smooth', experiment('smooth', `${mlp}\ntraining: {epochs: 1, batchSize: 50}\nsweep:\n  grid:\n    loss.labelSmoothing: [0, 0.5]`).replace('loss: crossEntropy', 'loss: {type: crossEntropy, labelSmoothing: 0}'));
    assert.equal((await run(['run', file, '--out', join(dir, 'smooth')])).code, 0);
    const evaluated = await cliInProcess(['evaluate', runOf(join(dir, 'smooth'), 'smooth')]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const rows = evaluated.stdout.split('\n').filter((l) => /^sgd\/seed-0\S*\s+1\s/.test(l));
    assert.equal(rows.length, 2, evaluated.stdout);
    for (const row of rows) {
      const [recordedLoss, nowLoss] = row.trim().split(/\s+/).slice(2, 4);
      assert.equal(nowLoss, recordedLoss, row);
    }
  });
});
