// Seeds and sweeps end to end through the config pipeline: trials, ids, each trial's config, and
// every mistake located at its line.
import assert from 'node:assert/strict';
import { prepare } from '../../src/config/pipeline.js';
import { trialConfig } from '../../src/config/plan.js';
import { sweepPoints } from '../../src/config/sweep.js';
import { configError, show, tempDir, writeExperimentIn } from './support.js';

const HEAD = `name: study
dataset: {type: mnist-bundled, trainSize: 400, testSize: 200}
model:
  layers: [flatten, {type: dense, units: 16}, relu, {type: dense, units: 10}]
loss: crossEntropy
optimizers:
  - {name: SGD, type: sgd, lr: 1.0e-2}
  - {name: SGD with momentum, type: sgd, lr: 1.0e-2, momentum: 0.9}
  - {name: Adam, type: adam, lr: 1.0e-3}
training: {epochs: 2, batchSize: 50}
`;

describe('config: seeds and sweeps', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => (temp = tempDir()));
  afterEach(() => temp.cleanup());
  const file = (tail: string) => writeExperimentIn(temp.dir, HEAD + tail);

  it('seeds {count, start} are start, start + 1, ...; a list stays as given', async () => {
    assert.deepEqual((await prepare(file('seeds: {count: 3, start: 5}\n'))).config.seeds, [5, 6, 7]);
    assert.deepEqual((await prepare(file('seeds: [4, 2]\n'))).config.seeds, [4, 2]);
    assert.deepEqual((await prepare(file('seeds: {count: 2}\n'))).plan.trials.map((t) => t.seed), [0, 0, 0, 1, 1, 1]);
  });

  it('seeds {count, start} may not run past the largest seed', async () => {
    const error = await configError(prepare(file('seeds: {count: 3, start: 4294967294}\n')));
    assert.match(show(error.problems), /:11:\d+ seeds\.count: the seeds would run to 4294967296, past the largest seed \(4294967295\)/);
  });

  it('a grid crosses its lists: ids add <path>=<value> in the order the sweep names them; each trial gets its config', async () => {
    const { plan, studyLine } = await prepare(file('seeds: [0]\nsweep:\n  grid:\n    optimizers[*].lr: [1.0e-3, 0.1]\n    training.batchSize: [20, 100]\n'));
    assert.equal(plan.trials.length, 12);
    assert.equal(plan.trials[0]!.id, 'sgd/seed-0/optimizers[*].lr=0.001,training.batchSize=20');
    assert.equal(plan.trials.at(-1)!.id, 'adam/seed-0/optimizers[*].lr=0.1,training.batchSize=100');
    const last = plan.trials.at(-1)!;
    assert.deepEqual(last.point, { 'optimizers[*].lr': 0.1, 'training.batchSize': 100 });
    assert.equal(last.optimizer.lr, 0.1);
    assert.equal(trialConfig(plan.config, last).training.batchSize, 100);
    assert.equal(plan.config.training.batchSize, 50, 'the plan config stays the file\'s');
    assert.equal(plan.estimates!.trials, 12);
    assert.ok(plan.estimates!.seconds! > 0);
    assert.match(studyLine, /^12 trials, about \d+ seconds on \S+ with \d+ workers?$/);
  });

  it('a path naming one optimizer multiplies only its trials', async () => {
    const { plan } = await prepare(file('sweep:\n  grid:\n    optimizers[1].momentum: [0.5, 0.9, 0.99]\n'));
    assert.deepEqual(plan.trials.map((t) => t.id), [
      'sgd/seed-0',
      'sgd-with-momentum/seed-0/optimizers[1].momentum=0.5',
      'adam/seed-0',
      'sgd-with-momentum/seed-0/optimizers[1].momentum=0.9',
      'sgd-with-momentum/seed-0/optimizers[1].momentum=0.99',
    ]);
  });

  it('a list gives points one by one; random draws are seeded and rounded to 3 significant digits', async () => {
    const listed = await prepare(file("sweep:\n  list:\n    - {'optimizers[*].lr': 0.01}\n    - optimizers[*].lr: 0.1\n      training.batchSize: 100\n"));
    assert.deepEqual(listed.plan.trials.filter((t) => t.name === 'Adam').map((t) => t.id), ['adam/seed-0/optimizers[*].lr=0.01', 'adam/seed-0/optimizers[*].lr=0.1,training.batchSize=100']);
    const random = { random: { count: 4, seed: 0, params: { 'optimizers[*].lr': { logUniform: [1e-5, 1e-1] as [number, number] }, 'training.batchSize': { choice: [32, 64] } } } };
    const points = sweepPoints(random);
    assert.deepEqual(points, sweepPoints(random), 'the same seed draws the same points');
    for (const p of points) {
      const lr = p['optimizers[*].lr'] as number;
      assert.ok(lr >= 1e-5 && lr <= 1e-1 && Number(lr.toPrecision(3)) === lr, String(lr));
      assert.ok([32, 64].includes(p['training.batchSize'] as number));
    }
  });

  it('errors are located: a path that names nothing, a value the plugin refuses, a batch larger than the training set', async () => {
    const error = await configError(prepare(file('sweep:\n  grid:\n    optimizers[*].lrr: [1, 2]\n    optimizers[0].lr: [0.1, -1]\n    training.batchSize: [10, 500]\n')));
    const text = show(error.problems);
    assert.match(text, /exp\.yaml:13:5 sweep\.grid\.optimizers\[\*\]\.lrr: optimizers\[0\]\.lrr: unknown parameter 'lrr' for optimizer 'sgd'; did you mean 'lr'\?/);
    assert.match(text, /exp\.yaml:14:29 \S+: optimizers\[0\]\.lr: must be > 0 \(got -1\)/);
    const batch = await configError(prepare(file('sweep:\n  grid:\n    training.batchSize: [10, 500]\n')));
    assert.match(show(batch.problems), /exp\.yaml:13:30 \S+: training\.batchSize must be at most the training-set size \(got 500; the training set has 400 samples\)/);
  });

  it('refuses paths it cannot sweep, at the key: the dataset, [*] outside optimizers, an optimizer that is not there', async () => {
    const error = await configError(prepare(file('sweep:\n  grid:\n    dataset.trainSize: [100]\n    model.layers[*].units: [8]\n    optimizers[7].lr: [0.1]\n    not a path: [1]\n')));
    const text = show(error.problems);
    assert.match(text, /:13:5 .*the data is loaded once for every trial/);
    assert.match(text, /:14:5 .*\[\*\] means every optimizer/);
    assert.match(text, /:15:5 .*the experiment has 3 optimizers: optimizers\[0\] to optimizers\[2\]/);
    assert.match(text, /:16:5 .*is not a key path/);
  });

  it('more trials than limits.maxTrials is an error at the sweep; the limit can be raised', async () => {
    const error = await configError(prepare(file('seeds: {count: 10}\nlimits: {maxTrials: 20}\nsweep:\n  grid:\n    optimizers[*].lr: [0.1, 0.01]\n')));
    assert.match(show(error.problems), /:14:3 sweep: makes 60 trials \(10 seeds x 6 optimizer and sweep point combinations\), more than limits\.maxTrials \(20\)/);
    const seeds = await configError(prepare(file('seeds: {count: 400}\n')));
    assert.match(show(seeds.problems), /seeds: makes 1,200 trials .* more than limits\.maxTrials \(1,000\)/);
  });

  it('an unquoted key path inside a flow mapping is a YAML error that says why and what to write', async () => {
    const error = await configError(prepare(file('sweep:\n  list: [{optimizers[*].lr: 1.0e-3, training.batchSize: 50}]\n')));
    assert.match(show(error.problems), /:12:21 YAML syntax: a key path with brackets \(optimizers\[\*\]\.lr\) cannot stand unquoted inside a flow mapping .*block style.*quote the key/);
  });

  it('--set takes [*]: every optimizer at once', async () => {
    const { plan } = await prepare(file(''), { sets: [{ flag: '--set', text: 'optimizers[*].lr=0.5' }] });
    assert.deepEqual(plan.trials.map((t) => t.optimizer.lr), [0.5, 0.5, 0.5]);
    const grown = await prepare(file('seeds: {count: 2}\n'), { sets: [{ flag: '--set', text: 'seeds.count=4' }] });
    assert.deepEqual(grown.config.seeds, [0, 1, 2, 3]);
  });
});
