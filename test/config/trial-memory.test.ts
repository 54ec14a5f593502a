// The per-trial term of the memory estimate: what one trial holds on its backend at its peak.
import assert from 'node:assert/strict';
import { modelFacts, stateBuffers, stepCopies, trialMemory, UNKNOWN_STATE_BUFFERS } from '../../src/config/trial-memory.js';
import { createRegistries } from '../../src/registry/index.js';
import type { DataFacts } from '../../src/registry/kinds.js';

const registries = createRegistries();
const digits: DataFacts = { sampleShape: [1, 28, 28], classes: 10, trainSize: 8000, testSize: 2000, source: 't' };
const LECTURE_LAYERS = [
  { type: 'flatten' },
  { type: 'dense', units: 400, activation: 'linear', useBias: true },
  { type: 'relu' },
  { type: 'dense', units: 256, activation: 'linear', useBias: true },
  { type: 'relu' },
  { type: 'dense', units: 10, activation: 'linear', useBias: true },
];
const P = 784 * 400 + 400 + 400 * 256 + 256 + 256 * 10 + 10;

const config = (over: { layers?: unknown[]; optimizers?: unknown[]; training?: Record<string, unknown>; seeds?: number[] } = {}) =>
  ({
    model: { layers: over.layers ?? LECTURE_LAYERS },
    optimizers: over.optimizers ?? [{ name: 'Adam', type: 'adam', amsgrad: false }],
    training: { batchSize: 100, evalBatchSize: 1000, ...over.training },
    seeds: over.seeds ?? [0],
  }) as never;

describe('config/trial-memory: what one trial holds at its peak', () => {
  it('takes the state buffers from each optimizer plugin (a user\'s too), and assumes 2 for one that declares none', () => {
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
    for (const [spec, buffers] of cases) assert.equal(stateBuffers(spec as { type: string }, registries), buffers, JSON.stringify(spec));
    const own = createRegistries();
    own.optimizers.register({ ...own.optimizers.get('sgd'), type: 'fourBuffers', memory: { stateBuffers: () => 4, stepCopies: () => 30 } });
    assert.equal(stateBuffers({ type: 'fourBuffers' }, own), 4);
    assert.equal(stepCopies({ type: 'fourBuffers' }, own, true, {}), 30, 'no fused hook declared: its ops count');
  });

  it('counts the parameter-sized tensors of a step as measured: fused updates on wasm, separate ops elsewhere', () => {
    const none = {};
    const cases: [Record<string, unknown>, boolean, number][] = [
      // Fused (wasm, wasm-blas): weights, gradients, old and new buffers, and one more.
      [{ type: 'sgd', momentum: 0 }, true, 3],
      [{ type: 'sgd', momentum: 0.9, nesterov: true }, true, 5],
      [{ type: 'adam', amsgrad: false, weightDecay: 0.01 }, true, 7],
      [{ type: 'rmsprop', momentum: 0, centered: false }, true, 5],
      [{ type: 'adagrad' }, true, 5],
      // amsgrad and the optimizers without a fused kernel keep their ops even on wasm.
      [{ type: 'adam', amsgrad: true }, true, 19],
      [{ type: 'nadam' }, true, 20],
      // Separate ops (cpu, native): every temporary of the step's tidy stays until it ends.
      [{ type: 'sgd', momentum: 0 }, false, 4],
      [{ type: 'sgd', momentum: 0.9 }, false, 7],
      [{ type: 'sgd', momentum: 0.9, nesterov: true }, false, 9],
      [{ type: 'sgd', momentum: 0, weightDecay: 0.01 }, false, 6],
      [{ type: 'adam', amsgrad: false }, false, 17],
      [{ type: 'adam', amsgrad: false, weightDecay: 0.01 }, false, 19],
      [{ type: 'adamw', amsgrad: true }, false, 20],
      [{ type: 'rmsprop', momentum: 0.9, centered: true }, false, 21],
      [{ type: 'adagrad', weightDecay: 0.01 }, false, 12],
      [{ type: 'nadam' }, false, 20],
      [{ type: 'myOptimizer' }, false, 4 + 6 * UNKNOWN_STATE_BUFFERS],
      [{ type: 'myOptimizer' }, true, 4 + 6 * UNKNOWN_STATE_BUFFERS],
    ];
    for (const [spec, fused, copies] of cases) assert.equal(stepCopies(spec as { type: string }, registries, fused, none), copies, `${JSON.stringify(spec)} fused=${fused}`);
    // Clipping keeps the clipped gradients (and, for the norm, their squares) until the step ends.
    assert.equal(stepCopies({ type: 'sgd', momentum: 0 }, registries, true, { clipGradValue: 1 }), 4);
    assert.equal(stepCopies({ type: 'sgd', momentum: 0 }, registries, true, { clipGradNorm: 1 }), 5);
    assert.equal(stepCopies({ type: 'sgd', momentum: 0 }, registries, false, { clipGradValue: 1, clipGradNorm: 1 }), 7);
  });

  it('counts only the layer outputs that are tensors of their own: not flatten, not a relu folded into its dense layer', () => {
    const facts = modelFacts(config(), registries, [1, 28, 28]);
    assert.equal(facts.parameters, P);
    assert.equal(facts.activations, 400 + 256 + 10);
    assert.deepEqual([facts.heaviest, facts.widest], [1, 0]);
    // A relu after a dense layer that has its own activation is a tensor of its own.
    const tanh = modelFacts(config({ layers: [{ type: 'flatten' }, { type: 'dense', units: 50, activation: 'tanh', useBias: true }, { type: 'relu' }] }), registries, [1, 28, 28]);
    assert.equal(tanh.activations, 100);
  });

  it('the lecture: the Adam step is its peak, on top of the one evaluation batch alive at a time', () => {
    const [adam] = trialMemory(config(), registries, digits, true);
    const trainingBatchBytes = 100 * (784 * 4 + 4);
    const evaluationBatchBytes = 1000 * (784 * 4 + 4); // evalBatchSize rows
    assert.deepEqual(adam, {
      optimizer: 'Adam',
      parameters: P,
      trials: 1,
      stateBuffers: 2,
      stepCopies: 7,
      parameterBytes: P * 4 * 7,
      trainingActivationBytes: 100 * 666 * 4 * 3,
      trainingBatchBytes,
      evaluationActivationBytes: 1000 * 666 * 4,
      evaluationBatchBytes,
      bestBytes: 0,
      // The step (7 copies and the batch) beats the backward pass (4 copies and the activations) and an evaluation.
      liveBytes: evaluationBatchBytes + P * 4 * 7 + trainingBatchBytes,
      checkpointBytes: P * 4 * 3,
    });
  });

  it('takes the backward pass when the batch dominates, an evaluation when evalBatchSize does', () => {
    const batch = trialMemory(config({ optimizers: [{ name: 'SGD', type: 'sgd', momentum: 0 }], training: { batchSize: 4000 } }), registries, digits, true)[0]!;
    assert.equal(batch.liveBytes, batch.evaluationBatchBytes + P * 4 * 2 + batch.trainingActivationBytes + batch.trainingBatchBytes);
    const evaluation = trialMemory(config({ optimizers: [{ name: 'SGD', type: 'sgd', momentum: 0 }], training: { evalBatchSize: 2000 } }), registries, { ...digits, testSize: 2000 }, true)[0]!;
    assert.equal(evaluation.evaluationActivationBytes, 2000 * 666 * 4);
    assert.equal(evaluation.liveBytes, evaluation.evaluationBatchBytes + P * 4 + evaluation.evaluationActivationBytes);
  });

  it('one entry per optimizer with its seeds, an evaluation batch of the larger of test and validation, a best copy with restoreBest', () => {
    const trials = trialMemory(
      config({
        optimizers: [
          { name: 'SGD', type: 'sgd', momentum: 0 },
          { name: 'Adam', type: 'adam', amsgrad: false },
        ],
        training: { earlyStopping: { metric: 'valLoss', patience: 2, restoreBest: true } },
        seeds: [0, 1, 2],
      }),
      registries,
      { ...digits, trainSize: 6000, validationSize: 2000 },
      false,
    );
    assert.deepEqual(trials.map((t) => [t.optimizer, t.trials, t.stepCopies]), [['SGD', 3, 4], ['Adam', 3, 17]]);
    assert.equal(trials[0]!.evaluationBatchBytes, 1000 * (784 * 4 + 4));
    assert.equal(trials[1]!.bestBytes, P * 4);
    assert.equal(trials[1]!.checkpointBytes, P * 4 * 4);
  });
});
