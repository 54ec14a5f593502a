import assert from 'node:assert/strict';
import { createRegistries } from '../../src/registry/index.js';
import type { LoadedData, TF } from '../../src/registry/kinds.js';
import { prepare } from '../../src/config/pipeline.js';
import { runTrial, seedStreams } from '../../src/runner/trial.js';
import { buildModel } from '../../src/runner/model.js';
import { loadExperimentData } from '../../src/runner/data.js';
import type { RunEventInput } from '../../src/run-log/types.js';
import { smallLecture, makeTempDir, writeExperiment } from '../run-helpers.js';

describe('runner/trial', function () {
  this.timeout(60000);
  const registries = createRegistries();
  let tf: TF;

  before(async () => {
    tf = (await registries.backends.get('wasm').load({ backends: registries.backends })).tf;
  });

  const layers = [{ type: 'flatten' }, { type: 'dense', units: 16, activation: 'linear', useBias: true }, { type: 'relu' }, { type: 'dense', units: 10, activation: 'linear', useBias: true }];

  it('gives every optimizer of a seed the same initial weights, and other seeds other weights', () => {
    const weights = (seed: number) => {
      const model = buildModel(tf, layers, registries, [1, 28, 28], seedStreams(seed).init);
      const values = model.variables.map((v) => Array.from(v.dataSync()));
      model.dispose();
      return values;
    };
    const first = weights(7);
    assert.deepEqual(weights(7), first);
    assert.notDeepEqual(weights(8), first);
  });

  it('initialises dense layers as torch.nn.Linear: uniform within ±1/sqrt(fan_in)', () => {
    const model = buildModel(tf, layers, registries, [1, 28, 28], seedStreams(0).init);
    const [kernel, bias] = model.variables.map((v) => Array.from(v.dataSync() as Float32Array));
    const bound = 1 / Math.sqrt(784);
    assert.ok(kernel.every((w) => Math.abs(w) <= bound));
    assert.ok(bias.every((b) => Math.abs(b) <= bound));
    const mean = kernel.reduce((a, b) => a + b, 0) / kernel.length;
    const variance = kernel.reduce((a, b) => a + b * b, 0) / kernel.length;
    assert.ok(Math.abs(mean) < bound / 20, 'centred');
    assert.ok(Math.abs(variance - bound ** 2 / 3) < bound ** 2 / 30, 'variance of a uniform distribution');
    model.dispose();
  });

  it('a trial that fails while being built still starts, then fails, then ends', async () => {
    const dir = makeTempDir();
    const { plan, registries: regs } = await prepare(writeExperiment(dir, 'bad-layer', smallLecture({ name: 'bad-layer', optimizers: '  - {type: adam}' })));
    const data = await loadExperimentData(plan.config, regs, dir);
    const broken = { ...regs.layers.get('dense'), create: () => { throw new Error('no memory for the kernel'); } };
    const layers = new Map([[ 'dense', broken ]]);
    const patched = { ...regs, layers: { ...regs.layers, get: (t: string) => layers.get(t) ?? regs.layers.get(t) } } as typeof regs;
    const events: RunEventInput[] = [];
    const result = await runTrial({ tf, registries: patched, plan, trial: plan.trials[0], data, emit: (e) => events.push(e) });
    assert.equal(result.status, 'failed');
    assert.deepEqual(events.map((e) => e.type), ['trialStart', 'trialFailed', 'trialEnd']);
  });

  it('leaves no tensors behind, so memory does not grow from epoch to epoch', async () => {
    const dir = makeTempDir();
    const file = writeExperiment(dir, 'mem', smallLecture({ name: 'mem', epochs: 3 }));
    const { plan, registries: regs } = await prepare(file);
    const data: LoadedData = await loadExperimentData(plan.config, regs, dir);
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const emit = (event: RunEventInput) => {
      if (event.type === 'epochEnd') counts.push(tf.memory().numTensors);
    };
    for (const trial of plan.trials) {
      counts.length = 0;
      const result = await runTrial({ tf, registries: regs, plan, trial, data, emit });
      assert.equal(result.status, 'ok');
      assert.equal(new Set(counts).size, 1, `${trial.id}: tensors per epoch ${counts.join(', ')}`);
    }
    assert.equal(tf.memory().numTensors, before, 'everything disposed after the trials');
  });
});
