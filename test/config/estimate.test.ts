// The resource guard: inspect estimates a plan's memory (data once, plus one trial: weights,
// gradients, optimizer state, the activations of a training and an evaluation batch) and refuses a
// plan over limits.memoryMB, at the key that drives the largest part.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { estimateMemory, formatBytes, MB, stateBuffers, UNKNOWN_STATE_BUFFERS } from '../../src/config/estimate.js';
import { prepare } from '../../src/config/pipeline.js';
import { createRegistries } from '../../src/registry/index.js';
import dense from '../../src/registry/layers/dense.js';
import { configError, LECTURE, runCli, show, tempDir, writeExperimentIn } from './support.js';

const lecture = readFileSync(LECTURE, 'utf8');
const LECTURE_PARAMETERS = 784 * 400 + 400 + 400 * 256 + 256 + 256 * 10 + 10;
/** Values per sample: the input [28, 28], flatten 784, 400 twice (dense, relu), 256 twice, 10. */
const LECTURE_ACTIVATIONS = 784 + 784 + 400 + 400 + 256 + 256 + 10;

describe('config/estimate: the memory estimate and limits.memoryMB', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());
  const write = (text: string) => writeExperimentIn(dir, text);

  it('counts the parameters of a dense layer as torch.nn.Linear has them', () => {
    assert.equal(dense.parameters?.({ units: 400, activation: 'linear', useBias: true }, [784]), 784 * 400 + 400);
    assert.equal(dense.parameters?.({ units: 10, activation: 'relu', useBias: false }, [256]), 2560);
    for (const type of ['flatten', 'relu', 'dropout', 'softmax']) assert.equal(createRegistries().layers.get(type).parameters, undefined, type);
  });

  it('knows the state buffers of each built-in optimizer, and assumes 2 for others', () => {
    const cases: [Record<string, unknown>, number][] = [
      [{ type: 'sgd', momentum: 0 }, 0],
      [{ type: 'sgd', momentum: 0.9 }, 1],
      [{ type: 'adam', amsgrad: false }, 2],
      [{ type: 'adam', amsgrad: true }, 3],
      [{ type: 'adamw', amsgrad: true }, 3],
      [{ type: 'rmsprop', momentum: 0.9, centered: true }, 3],
      [{ type: 'rmsprop', momentum: 0, centered: false }, 1],
      [{ type: 'adagrad' }, 1],
      [{ type: 'adadelta' }, 2],
      [{ type: 'myOptimizer' }, UNKNOWN_STATE_BUFFERS],
    ];
    for (const [spec, buffers] of cases) assert.equal(stateBuffers(spec as { type: string }), buffers, JSON.stringify(spec));
  });

  it('puts the estimate in the plan: each split, per trial, the data and the total', async () => {
    const { plan } = await prepare(LECTURE);
    const e = plan.estimates!;
    assert.equal(e.parametersPerTrial, LECTURE_PARAMETERS);
    const perSample = 784 * 4 + 1;
    assert.deepEqual(e.splits, { train: { samples: 8000, bytes: 8000 * perSample }, test: { samples: 2000, bytes: 2000 * perSample } });
    assert.equal(e.dataBytes, 10000 * perSample);
    // Adam is the largest trial: weights, gradients and 2 buffers.
    assert.deepEqual(e.perTrial, {
      parameterBytes: LECTURE_PARAMETERS * 4 * 4,
      stateBuffers: 2,
      trainingActivationBytes: 100 * LECTURE_ACTIVATIONS * 4 * 2,
      evaluationActivationBytes: 1000 * LECTURE_ACTIVATIONS * 4,
    });
    assert.equal(e.bytesPerTrial, e.perTrial.parameterBytes + e.perTrial.trainingActivationBytes + e.perTrial.evaluationActivationBytes);
    assert.equal(e.totalBytes, e.dataBytes + e.bytesPerTrial);
    assert.equal(e.limitBytes, 8192 * MB);
    assert.deepEqual(plan.config.limits, { memoryMB: 8192 });
  });

  it('counts the validation split and value targets', async () => {
    const text = lecture
      .replace('dataset: mnist-bundled', 'dataset: {type: mnist-bundled, transforms: [flatten, addNoise], validation: {fraction: 0.25}}')
      .replace('layers: [flatten, ', 'layers: [')
      .replace('{type: dense, units: 10}', '{type: dense, units: 784}')
      .replace('loss: crossEntropy', 'loss: mse');
    const { plan } = await prepare(write(text));
    const perSample = 784 * 4 + 1 + 784 * 4;
    assert.deepEqual(plan.estimates!.splits, {
      train: { samples: 6000, bytes: 6000 * perSample },
      validation: { samples: 2000, bytes: 2000 * perSample },
      test: { samples: 2000, bytes: 2000 * perSample },
    });
  });

  it('estimateMemory is pure arithmetic on the facts', () => {
    const registries = createRegistries();
    const config = {
      model: { layers: [{ type: 'dense', units: 3, activation: 'linear', useBias: true }] },
      optimizers: [{ name: 'sgd', type: 'sgd', momentum: 0 }],
      training: { batchSize: 2, evalBatchSize: 1000 },
      limits: { memoryMB: 1 },
    } as never;
    const e = estimateMemory(config, registries, { sampleShape: [4], classes: 3, trainSize: 10, testSize: 5, source: 't' });
    assert.equal(e.parametersPerTrial, 15);
    assert.deepEqual(e.perTrial, { parameterBytes: 15 * 2 * 4, stateBuffers: 0, trainingActivationBytes: 2 * 7 * 4 * 2, evaluationActivationBytes: 5 * 7 * 4 });
    assert.equal(e.dataBytes, 15 * (4 * 4 + 1));
    assert.equal(e.limitBytes, MB);
  });

  const refused = async (text: string, sets: string[] = []) => {
    const error = await configError(prepare(write(text), { sets: sets.map((s) => ({ flag: '--set', text: s })) }));
    assert.equal(error.problems.length, 1, show(error.problems));
    return error.problems[0];
  };

  it('refuses a plan over the limit at the widest layer, with the figures', async () => {
    const problem = await refused(lecture.replace('{type: dense, units: 400}', '{type: dense, units: 1048576}'));
    assert.equal(problem.path, 'model.layers[1].units');
    assert.equal(problem.line, 7);
    assert.match(problem.message, /needs about 25\.7 GB of memory, more than limits\.memoryMB allows \(8,192 MB\)/);
    assert.match(problem.message, /1,091,570,442 parameters × 4 copies × 4 bytes/);
  });

  it('points at batchSize, evalBatchSize or the dataset when they drive the estimate', async () => {
    const wide = lecture.replace('{type: dense, units: 400}', '{type: dense, units: 4000}');
    const batch = await refused(wide.replace('batchSize: 100', 'batchSize: 8000'), ['limits.memoryMB=512']);
    assert.equal(batch.path, 'training.batchSize');
    assert.match(batch.message, /use a smaller batchSize or narrower layers \(the widest is model\.layers\[1\]\)/);
    const evaluation = await refused(wide.replace('shuffle: true', 'shuffle: true, evalBatchSize: 2000'), ['limits.memoryMB=150']);
    assert.equal(evaluation.path, 'training.evalBatchSize');
    const data = await refused(lecture, ['limits.memoryMB=40']);
    assert.equal(data.path, 'dataset');
    assert.match(data.message, /data 29\.9 MB \(10,000 samples\)/);
    assert.equal(data.flag, undefined, 'located in the file, at the dataset');
  });

  it('takes limits.memoryMB from the file or from --set', async () => {
    await prepare(LECTURE, { sets: [{ flag: '--set', text: 'limits.memoryMB=64' }] });
    const problem = await refused(`${lecture}limits: {memoryMB: 20}\n`);
    assert.match(problem.message, /allows \(20 MB\)/);
    const { plan } = await prepare(write(`${lecture}limits: {memoryMB: 20}\n`), { sets: [{ flag: '--set', text: 'limits.memoryMB=100' }] });
    assert.equal(plan.estimates!.limitBytes, 100 * MB);
  });

  it('trainyard plan prints the estimate; validate refuses with exit 2', () => {
    const plan = runCli(['plan', 'experiments/lecture-25-optimizers.yaml']);
    assert.equal(plan.status, 0, plan.stderr);
    assert.equal(JSON.parse(plan.stdout).estimates.parametersPerTrial, LECTURE_PARAMETERS);
    const validate = runCli(['validate', 'experiments/lecture-25-optimizers.yaml', '--set', 'limits.memoryMB=10']);
    assert.equal(validate.status, 2);
    assert.match(validate.stderr, /lecture-25-optimizers\.yaml:5:10 dataset: the plan needs about 49\.\d MB of memory/);
  });

  it('formats bytes as people read them', () => {
    assert.deepEqual([formatBytes(1000), formatBytes(5 * MB), formatBytes(300 * MB), formatBytes(3 * 1024 * MB)], ['1 KB', '5.0 MB', '300 MB', '3.0 GB']);
  });
});
