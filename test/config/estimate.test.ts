// The memory estimate: the process once (Node and TF.js, the data, what loading it leaves), then per
// worker thread its TF.js and the heap of its largest trial; the run with N workers; what fits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { estimateMemory, MB, runBytes, workersThatFit, type MemoryEstimate } from '../../src/config/estimate.js';
import { prepare } from '../../src/config/pipeline.js';
import { createRegistries } from '../../src/registry/index.js';
import type { DataFacts } from '../../src/registry/kinds.js';
import { LECTURE, tempDir, writeExperimentIn } from './support.js';

const lecture = readFileSync(LECTURE, 'utf8');
const LECTURE_PARAMETERS = 784 * 400 + 400 + 400 * 256 + 256 + 256 * 10 + 10;
const registries = createRegistries();

/** A hand-made normalized config: one small dense layer. */
const tiny = (over: Record<string, unknown> = {}) =>
  ({
    dataset: { type: 'csv', transforms: [] },
    model: { layers: [{ type: 'dense', units: 3, activation: 'linear', useBias: true }] },
    optimizers: [{ name: 'sgd', type: 'sgd', momentum: 0 }],
    training: { batchSize: 2, evalBatchSize: 1000 },
    seeds: [0],
    backend: { type: 'cpu' },
    limits: { memoryMB: 1 },
    ...over,
  }) as never;
const tinyFacts: DataFacts = { sampleShape: [4], classes: 3, trainSize: 10, testSize: 5, source: 't' };

/** An estimate with chosen figures, for the run arithmetic. */
const made = (processMB: number, trials: [number, number][], limitMB: number): MemoryEstimate =>
  ({
    process: { bytes: processMB * MB },
    optimizers: trials.map(([workerMB, n], i) => ({ optimizer: `o${i}`, trials: n, workerBytes: workerMB * MB })),
    limitBytes: limitMB * MB,
  }) as never;

describe('config/estimate: the memory a run needs', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it('puts the estimate of the smallest run in the plan: the process, one worker, its largest trial', async () => {
    const { plan } = await prepare(LECTURE);
    const e = plan.estimates!;
    assert.deepEqual([e.backend, e.calibrated, e.parametersPerTrial], ['wasm-blas', true, LECTURE_PARAMETERS]);
    const perSample = 784 * 4 + 1;
    assert.deepEqual(e.splits, { train: { samples: 8000, bytes: 8000 * perSample }, test: { samples: 2000, bytes: 2000 * perSample } });
    // Node and TF.js, the digits once (shared by every worker), and the mnist package's parsed JSON.
    assert.deepEqual(e.process, { baseBytes: 110 * MB, dataBytes: 10000 * perSample, loadingBytes: 128 * MB, bytes: 110 * MB + 10000 * perSample + 128 * MB });
    assert.deepEqual(e.worker, { runtimeBytes: 50 * MB, tensors: 'wasm-heap', heapFactor: 1.15, heapOverheadBytes: 25 * MB, heapInitialBytes: 16 * MB, heapLimitBytes: 4294901760 });
    // Largest first: Adam's step holds 7 copies of the parameters on wasm, SGD's 3.
    assert.deepEqual(e.optimizers.map((t) => [t.optimizer, t.stepCopies]), [['Adam', 7], ['SGD with momentum', 5], ['SGD', 3]]);
    const adam = e.optimizers[0]!;
    assert.equal(adam.liveBytes, 15192328);
    const heap = 1.15 * adam.liveBytes + 25 * MB;
    assert.equal(adam.workerBytes, Math.round(50 * MB + heap - 16 * MB + 1.5 * LECTURE_PARAMETERS * 4 * 3));
    assert.equal(e.bytesPerTrial, adam.liveBytes);
    assert.equal(e.totalBytes, e.process.bytes + adam.workerBytes);
    assert.equal(Math.round(e.totalBytes / MB), 351);
    assert.equal(e.limitBytes, 8192 * MB);
    assert.deepEqual(plan.config.limits, { memoryMB: 8192, maxTrials: 1000 });
  });

  it('estimates for the backend it is given: separate ops on cpu, no heap bound', async () => {
    const { config, registries: r, data } = await prepare(LECTURE);
    const cpu = estimateMemory(config, r, data, 'cpu');
    assert.deepEqual([cpu.backend, cpu.worker.heapLimitBytes, cpu.worker.heapInitialBytes], ['cpu', undefined, 0]);
    assert.deepEqual(cpu.optimizers.map((t) => [t.optimizer, t.stepCopies]), [['Adam', 17], ['SGD with momentum', 7], ['SGD', 4]]);
    assert.equal(cpu.perTrial.stepCopies, 17);
    const native = estimateMemory(config, r, data, 'tensorflow');
    assert.equal(native.calibrated, false);
  });

  it('counts what loading leaves: the parsed JSON, inflated IDX files, one copy otherwise; a hold-out and rewriting transforms', async () => {
    const e = (type: string, facts: DataFacts = tinyFacts, transforms: unknown[] = []) =>
      estimateMemory(tiny({ dataset: { type, transforms } }), registries, facts).process.loadingBytes;
    const digits: DataFacts = { sampleShape: [784], classes: 10, trainSize: 60000, testSize: 10000, source: 't' };
    assert.equal(e('mnist-bundled', digits), 128 * MB);
    // The pixels stay bytes in shared memory; what reading them leaves is the inflated chunks.
    assert.equal(e('fashion-mnist', digits), Math.round(70000 * 784 * 0.6));
    assert.equal(e('idx', digits), Math.round(70000 * 784 * 0.6));
    assert.equal(e('csv'), 15 * (4 * 4 + 1), 'one copy of the data');
    assert.equal(e('csv', { ...tinyFacts, trainSize: 8, validationSize: 2 }), 15 * 17 + 10 * 4 * 4, 'the hold-out copies the training set');
    assert.equal(e('csv', tinyFacts, [{ type: 'flatten' }, { type: 'normalize' }, { type: 'addNoise' }]), 15 * 17 + 2 * 15 * 4 * 4);
  });

  it('counts the validation split and value targets', async () => {
    const text = lecture
      .replace('dataset: mnist-bundled', 'dataset: {type: mnist-bundled, transforms: [flatten, addNoise], validation: {fraction: 0.25}}')
      .replace('layers: [flatten, ', 'layers: [')
      .replace('{type: dense, units: 10}', '{type: dense, units: 784}')
      .replace('loss: crossEntropy', 'loss: mse');
    const { plan } = await prepare(writeExperimentIn(dir, text));
    const perSample = 784 * 4 + 1 + 784 * 4;
    assert.deepEqual(plan.estimates!.splits, {
      train: { samples: 6000, bytes: 6000 * perSample },
      validation: { samples: 2000, bytes: 2000 * perSample },
      test: { samples: 2000, bytes: 2000 * perSample },
    });
    // One evaluation batch at a time (evalBatchSize 1000): inputs, int32 labels, targets.
    assert.equal(plan.estimates!.perTrial.evaluationBatchBytes, 1000 * (784 * 4 + 4 + 784 * 4));
  });

  it('estimateMemory is pure arithmetic on the facts', () => {
    const e = estimateMemory(tiny(), registries, tinyFacts);
    assert.equal(e.parametersPerTrial, 15);
    const perTensorSample = 4 * 4 + 4;
    assert.deepEqual(e.perTrial, {
      parameterBytes: 15 * 4 * 4,
      stateBuffers: 0,
      stepCopies: 4,
      trainingActivationBytes: 2 * 3 * 4 * 3,
      trainingBatchBytes: 2 * perTensorSample,
      evaluationActivationBytes: 5 * 3 * 4,
      evaluationBatchBytes: 5 * perTensorSample,
    });
    assert.equal(e.dataBytes, 15 * (4 * 4 + 1));
    assert.equal(e.limitBytes, MB);
    assert.equal(e.totalBytes, runBytes(e, 1));
  });

  it('a run holds the process once and, per worker, one of the largest trials', () => {
    // Three optimizers of two seeds each: 300, 200 and 100 MB a worker.
    const e = made(250, [[300, 2], [200, 2], [100, 2]], 1000);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => runBytes(e, n) / MB), [550, 850, 1050, 1250, 1350, 1450]);
    assert.equal(runBytes(e, 9) / MB, 1450, 'never more workers than trials');
    assert.equal(workersThatFit(e, 6), 2);
    assert.equal(workersThatFit(e, 1), 1);
    assert.equal(workersThatFit(made(250, [[300, 2]], 500), 4), 0, 'not even one');
    assert.equal(workersThatFit(made(250, [[300, 6]], 1e6), 4), 4, 'at most the count asked about');
  });
});
