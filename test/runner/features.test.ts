import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, makeTempDir, smallLecture, writeExperiment } from '../run-helpers.js';

const metricsOf = (out: string, name: string) => JSON.parse(readFileSync(join(out, name, readlinkSync(join(out, name, 'latest')), 'metrics.json'), 'utf8'));
const planOf = (out: string, name: string) => JSON.parse(readFileSync(join(out, name, readlinkSync(join(out, name, 'latest')), 'plan.json'), 'utf8'));

describe('runner: validation, transforms, clipping, early stopping (end to end)', function () {
  this.timeout(120000);
  const dir = makeTempDir();

  it('holds out a validation set and measures it every epoch', async () => {
    const yaml = smallLecture({ name: 'val', optimizers: '  - {type: adam}' }).replace('testSize: 100}', 'testSize: 100, validation: {fraction: 0.2}}');
    const out = join(dir, 'val-out');
    const result = await cliInProcess(['run', writeExperiment(dir, 'val', yaml), '--out', out, '--quiet', '--workers', '0']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual([planOf(out, 'val').data.trainSize, planOf(out, 'val').data.validationSize], [240, 60]);
    const [trial] = metricsOf(out, 'val').trials;
    for (const epoch of trial.epochs) {
      assert.equal(typeof epoch.valLoss, 'number');
      assert.ok(epoch.valAccuracy >= 0 && epoch.valAccuracy <= 1);
      assert.equal(epoch.steps % 5, 0, '240 samples / batch 50 = 5 steps an epoch');
    }
  });

  it('trains a denoising autoencoder: noisy inputs, clean targets, mse', async () => {
    const yaml = `name: dae
dataset: {type: mnist-bundled, trainSize: 300, testSize: 100, transforms: [flatten, {type: addNoise, std: 0.3}]}
model: {layers: [{type: dense, units: 32, activation: relu}, {type: dense, units: 784, activation: sigmoid}]}
loss: mse
metrics: [loss]
optimizers: [{type: adam, lr: 0.003}]
training: {epochs: 3, batchSize: 50}
backend: wasm
`;
    const out = join(dir, 'dae-out');
    assert.equal((await cliInProcess(['run', writeExperiment(dir, 'dae', yaml), '--out', out, '--quiet', '--workers', '0'])).code, 0);
    const [trial] = metricsOf(out, 'dae').trials;
    assert.ok(trial.epochs[2].testLoss < trial.epochs[0].testLoss);
    assert.equal(trial.epochs[0].testAccuracy, undefined);
    const wrongWidth = yaml.replace('name: dae', 'name: dae2').replace('units: 784', 'units: 10');
    const bad = await cliInProcess(['validate', writeExperiment(dir, 'dae2', wrongWidth)]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /dae2\.yaml:3:\d+ model\.layers\[1\]\.units: the model gives \[10\] per sample but loss 'mse' compares it with targets of \[784\]: the last layer needs 784 units/);
  });

  it('clipGradValue changes the trajectory; a run without it differs', async () => {
    const plain = smallLecture({ name: 'clip', optimizers: '  - {type: sgd, lr: 0.5}', epochs: 1 });
    const clipped = plain.replace('batchSize: 50}', 'batchSize: 50, clipGradValue: 0.0001}');
    const [a, b] = [join(dir, 'c1'), join(dir, 'c2')];
    assert.equal((await cliInProcess(['run', writeExperiment(dir, 'clip', plain), '--out', a, '--quiet', '--workers', '0'])).code, 0);
    assert.equal((await cliInProcess(['run', writeExperiment(dir, 'clip', clipped), '--out', b, '--quiet', '--workers', '0'])).code, 0);
    const lossA = metricsOf(a, 'clip').trials[0].epochs[0].trainLoss;
    const lossB = metricsOf(b, 'clip').trials[0].epochs[0].trainLoss;
    assert.ok(lossB > lossA, `clipped steps are tiny, so the loss falls less (${lossB} vs ${lossA})`);
  });

  it('stops early when the watched figure stops improving, and restores the best weights', async () => {
    // trainLoss falls every epoch, so watching it with mode max never improves after epoch 1.
    const yaml = smallLecture({ name: 'stop', optimizers: '  - {type: adam}', epochs: 6 }).replace(
      'batchSize: 50}',
      'batchSize: 50, earlyStopping: {metric: trainLoss, mode: max, patience: 2, restoreBest: true}}',
    );
    const out = join(dir, 'stop-out');
    const result = await cliInProcess(['run', writeExperiment(dir, 'stop', yaml), '--out', out, '--workers', '0']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /adam\/seed-0: stopped early at epoch 3: trainLoss was best at epoch 1/);
    const [trial] = metricsOf(out, 'stop').trials;
    assert.equal(trial.status, 'ok');
    assert.equal(trial.epochs.length, 3);
    assert.deepEqual([trial.stoppedEarly.epoch, trial.stoppedEarly.bestEpoch], [3, 1]);
    assert.equal(trial.restoredBest.epoch, 1);
    assert.equal(trial.restoredBest.testAccuracy, trial.epochs[0].testAccuracy, "re-evaluating epoch 1's weights gives epoch 1's figures");
    assert.equal(trial.restoredBest.testLoss, trial.epochs[0].testLoss);
  });

  it('steps learning-rate schedules per epoch and per step, and records the lr of every epoch', async () => {
    const optimizers = `  - {name: stepped, type: sgd, lr: 0.1, schedule: {type: step, stepSize: 1, gamma: 0.5}}
  - {name: warm, type: adam, lr: 0.01, schedule: {type: linearWarmup, warmup: 2, startFactor: 0.25, then: {type: exponential, gamma: 0.5}}}
  - {name: cycle, type: sgd, lr: 0.1, schedule: {type: oneCycle, maxLr: 0.2}}`;
    const out = join(dir, 'sched-out');
    const result = await cliInProcess(['run', writeExperiment(dir, 'sched', smallLecture({ name: 'sched', optimizers, epochs: 4 })), '--out', out, '--quiet', '--workers', '0']);
    assert.equal(result.code, 0, result.stderr);
    const [stepped, warm, cycle] = metricsOf(out, 'sched').trials;
    const lrs = (t: any) => t.epochs.map((e: any) => Number(e.lr.toPrecision(6)));
    assert.deepEqual(lrs(stepped), [0.1, 0.05, 0.025, 0.0125]);
    // torch LinearLR 0.25 → 1 over 2 epochs, then ExponentialLR(0.5) from the base lr
    assert.deepEqual(lrs(warm), [0.0025, 0.00625, 0.01, 0.005]);
    // oneCycle steps every batch: it starts at maxLr / divFactor (25)
    assert.equal(lrs(cycle)[0], 0.008);
    assert.ok(lrs(cycle)[1] > lrs(cycle)[0]);
  });

  it('rejects, at its line, a schedule that cannot cover the run (oneCycle shorter than the run)', async () => {
    const optimizers = '  - {type: sgd, lr: 0.1, schedule: {type: oneCycle, totalSteps: 5}}';
    const result = await cliInProcess(['validate', writeExperiment(dir, 'short', smallLecture({ name: 'short', optimizers }))]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /short\.yaml:7:\d+ optimizers\[0\]\.schedule: oneCycle: totalSteps 5 is shorter than the run \(12 steps\)/);
  });

  it('rejects a plateau schedule watching a figure the run does not record', async () => {
    const optimizers = '  - {type: sgd, lr: 0.1, schedule: {type: reduceOnPlateau, metric: valLoss}}';
    const result = await cliInProcess(['validate', writeExperiment(dir, 'plateau', smallLecture({ name: 'plateau', optimizers }))]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /optimizers\[0\]\.schedule\.metric: 'valLoss' is not a figure this run records/);
  });

  it('rejects early stopping on a figure the run does not record', async () => {
    const yaml = smallLecture({ name: 'nostop' }).replace('batchSize: 50}', 'batchSize: 50, earlyStopping: {metric: valAccuracy}}');
    const result = await cliInProcess(['validate', writeExperiment(dir, 'nostop', yaml)]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /training\.earlyStopping\.metric: 'valAccuracy' is not a figure this run records \(it records: trainLoss, testLoss, testAccuracy\)/);
  });
});
