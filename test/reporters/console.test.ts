import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ConsoleReporter } from '../../src/reporters/console.js';
import { makePlan } from '../../src/config/plan.js';
import type { Experiment } from '../../src/config/types.js';
import type { RunEvent } from '../../src/run-log/types.js';

function sink(isTTY: boolean): Writable & { text: string; isTTY: boolean } {
  const stream = new Writable({
    write(chunk, _enc, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string; isTTY: boolean };
  stream.text = '';
  stream.isTTY = isTTY;
  return stream;
}

const config = {
  name: 'c',
  description: '',
  plugins: [],
  dataset: { type: 'mnist-bundled', transforms: [] },
  model: { layers: [] },
  loss: { type: 'crossEntropy' },
  optimizers: [
    { name: 'SGD', type: 'sgd', lr: 0.1 },
    { name: 'Adam', type: 'adam', lr: 0.001 },
  ],
  metrics: [],
  training: { epochs: 2, batchSize: 10, shuffle: true, evalBatchSize: 100, logEvery: 0 },
  seeds: [0],
  backend: { type: 'wasm' },
} as Experiment;
const plan = makePlan(config, { sampleShape: [2], classes: 2, trainSize: 20, testSize: 10, source: 'test' }, { file: 'c.yaml', overrides: [], pluginModules: [] });
const time = '2026-01-01T00:00:00.000Z';
const epoch = (trialId: string, e: number, loss: number, acc: number): RunEvent => ({
  type: 'epochEnd',
  time,
  trialId,
  epoch: e,
  trainLoss: loss,
  testLoss: loss,
  testAccuracy: acc,
  lr: 0.1,
  seconds: 1,
  cumulativeSeconds: e,
  steps: 2 * e,
});
const events: RunEvent[] = [
  { type: 'runStart', time, experiment: 'c', runDir: '/tmp/x', backend: 'wasm', backendsTried: [{ name: 'tensorflow', error: '@tensorflow/tfjs-node is not installed. It needs more' }], trials: 2, workers: 2, epochs: 2, stepsPerEpoch: 2 },
  epoch('sgd/seed-0', 1, 2.5, 0.1),
  epoch('adam/seed-0', 1, 1.25, 0.5),
  epoch('adam/seed-0', 2, 0.75, 0.75),
  { type: 'trialEnd', time, trialId: 'adam/seed-0', status: 'ok', epochs: 2 },
  { type: 'trialEnd', time, trialId: 'sgd/seed-0', status: 'diverged', reason: 'training loss became NaN at epoch 2', epochs: 1 },
  { type: 'runEnd', time, status: 'ok', seconds: 3 },
];

describe('reporters/console', () => {
  it('prints one line per finished epoch of each trial as soon as it finishes, and counts ok / diverged / failed at the end', () => {
    const out = sink(false);
    const reporter = new ConsoleReporter(plan, { out });
    const afterEach: string[] = [];
    for (const event of events) {
      reporter.onEvent(event);
      afterEach.push(out.text);
    }
    // Before: a line waited until every optimizer of the seed had finished the epoch.
    assert.match(afterEach[1], /epoch 1 \| SGD loss 2\.5000 acc 0\.1000\n$/, 'SGD\'s epoch at once, without waiting for Adam');
    assert.match(afterEach[2], /epoch 1 \| Adam loss 1\.2500 acc 0\.5000\n$/);
    assert.match(out.text, /epoch 2 \| Adam loss 0\.7500 acc 0\.7500\n/);
    assert.match(out.text, /sgd\/seed-0: diverged: training loss became NaN at epoch 2/);
    assert.match(out.text, /tensorflow: @tensorflow\/tfjs-node is not installed\n/, 'first sentence of why a backend was not used');
    assert.match(out.text, /SGD \(seed 0\)\s+diverged\s+1\s+2\.5000/);
    assert.match(out.text, /Adam \(seed 0\)\s+ok\s+2\s+0\.7500\s+0\.7500\s+0\.7500\s+0\.7500 \(2\)/);
    assert.match(out.text, /2 trials: 1 ok, 1 diverged, 0 failed\n/);
    assert.doesNotMatch(out.text, /\r|\x1b\[/, 'plain lines when not a terminal');
  });

  it('names the seed and the sweep point after the optimizer when the run has several; shows logEvery step losses', () => {
    const study = { ...plan, trials: [{ ...plan.trials[1]!, id: 'adam/seed-3/optimizers[*].lr=0.001', seed: 3, point: { 'optimizers[*].lr': 0.001 } }, { ...plan.trials[1]!, id: 'adam/seed-4', seed: 4 }] };
    const out = sink(false);
    const reporter = new ConsoleReporter(study, { out });
    reporter.onEvent(events[0]!);
    reporter.onEvent({ type: 'step', time, trialId: 'adam/seed-3/optimizers[*].lr=0.001', step: 5, epoch: 1, loss: 0.5, lr: 0.001 });
    reporter.onEvent(epoch('adam/seed-3/optimizers[*].lr=0.001', 1, 0.25, 0.9));
    assert.match(out.text, /step 5 \| Adam \(seed 3, optimizers\[\*\]\.lr=0\.001\) loss 0\.5000\n/);
    assert.match(out.text, /epoch 1 \| Adam \(seed 3, optimizers\[\*\]\.lr=0\.001\) loss 0\.2500 acc 0\.9000\n/);
  });

  it('on a terminal: a live line per running trial with a bar, and the run\'s progress with an ETA', () => {
    const out = sink(true);
    const reporter = new ConsoleReporter(plan, { out });
    reporter.onEvent(events[0]!);
    reporter.onEvent({ type: 'trialStart', time, trialId: 'sgd/seed-0', name: 'SGD', seed: 0 });
    reporter.onEvent({ type: 'trialStart', time, trialId: 'adam/seed-0', name: 'Adam', seed: 0 });
    reporter.onEvent(events[1]!);
    reporter.onEvent(events[2]!);
    const block = out.text.slice(out.text.lastIndexOf('\x1b[0J') + 4);
    assert.match(block, /^  \[#{6}\.{6}\] SGD  epoch 1\/2 loss 2\.5000 acc 0\.1000\n  \[#{6}\.{6}\] Adam  epoch 1\/2 loss 1\.2500 acc 0\.5000\n\[#+\.+\]\s+50%  0 of 2 trials done, .*ETA \d+ s\n$/);
  });

  it('names the GPU adapter a run starts on, and says when it is a software one', () => {
    const out = sink(false);
    const reporter = new ConsoleReporter(plan, { out });
    const adapter = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', driver: 'llvmpipe: Mesa 25.0.7', fallback: true };
    reporter.onEvent({ ...events[0], backend: 'webgpu', backendsTried: [], environment: { trainyard: '0', node: 'v20', cpu: 'c', platform: 'p', adapter } } as RunEvent);
    assert.match(out.text, /^ {2}adapter: mesa software \(llvmpipe: Mesa 25\.0\.7\), fallback: a software renderer, slow$/m);
  });
});
