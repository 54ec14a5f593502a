// Nothing grows from epoch to epoch (issue 20): real trials train in this thread on every test
// backend, and when each epoch ends (its epochEnd event, emitted in the same thread) the test reads
// tf.memory() and, on the wasm backends, the size of the wasm heap. The first epoch may make what
// lives for the whole trial (optimizer state, scratch, a grown heap); from the second on, the
// counts must stay where they are, or a long run would run out of memory.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRegistries } from '../../src/registry/index.js';
import type { TF } from '../../src/registry/kinds.js';
import { prepare } from '../../src/config/pipeline.js';
import { loadExperimentData } from '../../src/runner/data.js';
import { runTrial } from '../../src/runner/trial.js';
import { DirectoryStore } from '../../src/runner/store.js';
import { wasmHeap } from '../../src/kernels/wasm/simd.js';
import type { RunEventInput, TrialResult } from '../../src/run-log/types.js';
import { loadBackendOrSkip, TEST_BACKENDS } from '../backends.js';
import { writeIdxDataset } from '../idx-files.js';
import { makeTempDir, writeExperiment } from '../run-helpers.js';

const EPOCHS = 5;

/**
 * What the test reads when an epoch ends: the tensors TF.js holds; on wasm the heap's size (a heap
 * never shrinks: it is what a long run's memory follows); on webgpu the GPU buffers in use and the
 * bytes the buffer pool has allocated.
 */
interface Counts {
  numTensors: number;
  numBytes: number;
  wasmHeapBytes?: number;
  numBytesInGPU?: number;
  numBytesAllocatedInGPU?: number;
}

function countsOf(tf: TF): Counts {
  const memory = tf.memory() as ReturnType<TF['memory']> & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  const heap = wasmHeap(tf.backend());
  const gpu = memory.numBytesInGPU !== undefined ? { numBytesInGPU: memory.numBytesInGPU, numBytesAllocatedInGPU: memory.numBytesAllocatedInGPU } : {};
  return { numTensors: memory.numTensors, numBytes: memory.numBytes, ...(heap ? { wasmHeapBytes: heap.buffer.byteLength } : {}), ...gpu };
}

/** An experiment on the tiny IDX dataset in `data` (8 × 8 images, labels i mod 10). */
function experiment(name: string, backend: string, parts: { layers: string; optimizers: string; dataset?: string; training?: string }): string {
  return `name: ${name}
dataset: {type: idx, dir: data${parts.dataset ?? ''}}
model:
  layers: ${parts.layers}
loss: crossEntropy
optimizers:
${parts.optimizers}
training: {epochs: ${EPOCHS}, batchSize: 16${parts.training ?? ''}}
seeds: [0]
backend: ${backend}
`;
}

const MLP = '[flatten, {type: dense, units: 16}, relu, {type: dense, units: 10}]';
const CNN = '[{type: conv2d, outChannels: 4, kernelSize: 3, padding: 1}, batchNorm, relu, {type: maxPool2d, kernelSize: 2}, flatten, {type: dense, units: 10}]';

/**
 * Trains every trial of the experiment in this thread, reading the counts at every epoch's end:
 * they must not grow from epoch 2 on, and a trial must leave as many tensors as it found. Returns the results.
 */
async function trainWithoutGrowth(tf: TF, dir: string, name: string, yaml: string, withStore = false): Promise<TrialResult[]> {
  const { plan, registries } = await prepare(writeExperiment(dir, name, yaml));
  const data = await loadExperimentData(plan.config, registries, dir);
  const store = withStore ? new DirectoryStore(join(dir, 'runs', name)) : undefined;
  const trained = [];
  for (const trial of plan.trials) {
    const counts: Counts[] = [];
    const emit = (event: RunEventInput) => {
      if (event.type === 'epochEnd') counts.push(countsOf(tf));
    };
    const before = tf.memory();
    const result = await runTrial({ tf, registries, plan, trial, data, emit, ...(store ? { store } : {}) });
    assert.equal(result.status, 'ok', `${trial.id}: ${result.error}`);
    assertNoGrowth(trial.id, result, counts);
    // Nor from trial to trial: a worker trains one after another.
    const after = tf.memory();
    assert.deepEqual([after.numTensors, after.numBytes], [before.numTensors, before.numBytes], `${trial.id}: tensors and bytes after the trial as before it`);
    trained.push(result);
  }
  return trained;
}

const withoutPool = ({ numBytesAllocatedInGPU: _pool, ...rest }: Counts): Counts => rest;

/** From epoch 2 on, every count is the one epoch 2 ended with; and a time is recorded for every epoch. */
function assertNoGrowth(id: string, result: TrialResult, counts: Counts[]): void {
  assert.equal(counts.length, EPOCHS, `${id}: an epochEnd for every epoch`);
  const [, second, ...later] = counts;
  later.forEach((c, i) => {
    const epoch = i + 3;
    // The last epoch is reported after the trial's closing work (confusion matrix, final weights),
    // whose new buffer sizes the webgpu pool keeps for the next trial: a cache, not a growth per epoch.
    const [got, want] = epoch === EPOCHS ? [withoutPool(c), withoutPool(second!)] : [c, second];
    assert.deepEqual(got, want, `${id}: epoch ${epoch} ended with ${JSON.stringify(c)}, epoch 2 with ${JSON.stringify(second)}`);
  });
  assert.equal(result.epochs.length, EPOCHS);
  // Seconds are recorded, never judged by size: a test checks behaviour, not the machine's speed.
  for (const e of result.epochs) assert.ok(Number.isFinite(e.seconds) && e.seconds >= 0, `${id}: epoch ${e.epoch} seconds ${e.seconds}`);
  const cumulative = result.epochs.map((e) => e.cumulativeSeconds);
  cumulative.forEach((c, i) => assert.ok(Math.abs(c - result.epochs.slice(0, i + 1).reduce((s, e) => s + e.seconds, 0)) < 1e-9, `${id}: cumulativeSeconds of epoch ${i + 1}`));
}

for (const backend of TEST_BACKENDS) {
  describe(`runner: nothing grows per epoch on ${backend}`, function () {
    this.timeout(300000);
    const registries = createRegistries();
    const dir = makeTempDir('trainyard-growth-');
    writeIdxDataset(join(dir, 'data'), { train: 96, test: 32, h: 8, w: 8 });
    let tf: TF;

    before(async function () {
      await loadBackendOrSkip(this, registries, backend);
      tf = (await registries.backends.get(backend).load({ backends: registries.backends })).tf;
    });

    it('an MLP with SGD with momentum and with Adam', async () => {
      const optimizers = '  - {name: momentum, type: sgd, lr: 0.05, momentum: 0.9}\n  - {name: adam, type: adam, lr: 0.01}';
      const trained = await trainWithoutGrowth(tf, dir, 'mlp', experiment('mlp', backend, { layers: MLP, optimizers }));
      assert.deepEqual(trained.map((r) => r.id), ['momentum/seed-0', 'adam/seed-0']);
    });

    it('a CNN: conv2d, batchNorm, maxPool2d, dense', async () => {
      const [result] = await trainWithoutGrowth(tf, dir, 'cnn', experiment('cnn', backend, { layers: CNN, optimizers: '  - {type: adam, lr: 0.01}' }));
      assert.equal(result!.epochs.length, EPOCHS);
    });

    it('validation, early stopping armed with restoreBest, checkpoints to a store, a schedule and step events', async () => {
      const yaml = experiment('every-epoch', backend, {
        layers: MLP,
        // reduceOnPlateau reads the epoch's figures; patience keeps the stopper armed but never firing.
        optimizers: '  - {type: sgd, lr: 0.05, momentum: 0.9, schedule: {type: reduceOnPlateau, metric: valLoss, patience: 1, factor: 0.5}}',
        dataset: ', validation: {fraction: 0.25, seed: 0}',
        training: ', logEvery: 2, earlyStopping: {metric: valLoss, patience: 100, restoreBest: true}',
      });
      const [result] = (await trainWithoutGrowth(tf, dir, 'every-epoch', yaml, true)) as [TrialResult];
      assert.equal(result.stoppedEarly, undefined, 'the stopper was armed, not fired');
      assert.ok(result.restoredBest, 'the best weights were kept and restored');
      assert.ok(result.epochs.every((e) => Number.isFinite((e as unknown as Record<string, number>).valLoss)), 'validation measured every epoch');
      const checkpoint = await new DirectoryStore(join(dir, 'runs', 'every-epoch')).loadCheckpoint(result.id);
      assert.equal(checkpoint?.epoch, EPOCHS, 'checkpointed every epoch, the last one too');
    });
  });
}
