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
  it('prints one lecture-style line per epoch once every optimizer has reached it', () => {
    const out = sink(false);
    const reporter = new ConsoleReporter(plan, { out });
    const afterEach: string[] = [];
    for (const event of events) {
      reporter.onEvent(event);
      afterEach.push(out.text);
    }
    assert.doesNotMatch(afterEach[1], /epoch 1/, 'waits for Adam');
    assert.match(afterEach[2], /epoch 1 \| SGD loss 2\.5000 acc 0\.1000 \| Adam loss 1\.2500 acc 0\.5000\n/);
    assert.match(out.text, /epoch 2 \| SGD stopped \| Adam loss 0\.7500 acc 0\.7500\n/);
    assert.match(out.text, /sgd\/seed-0: diverged: training loss became NaN at epoch 2/);
    assert.match(out.text, /tensorflow: @tensorflow\/tfjs-node is not installed\n/, 'first sentence of why a backend was not used');
    assert.match(out.text, /SGD \(seed 0\)\s+diverged\s+1\s+2\.5000/);
    assert.match(out.text, /Adam \(seed 0\)\s+ok\s+2\s+0\.7500\s+0\.7500\s+0\.7500\s+0\.7500 \(2\)/);
    assert.doesNotMatch(out.text, /\r|\x1b\[/, 'plain lines when not a terminal');
  });

  it('draws a progress bar with an ETA on a terminal', () => {
    const out = sink(true);
    const reporter = new ConsoleReporter(plan, { out });
    events.slice(0, 3).forEach((e) => reporter.onEvent(e));
    assert.match(out.text, /\r\x1b\[2K\[#+\.+\]\s+50%.*ETA \d+ s/);
  });

  it('names the GPU adapter a run starts on, and says when it is a software one', () => {
    const out = sink(false);
    const reporter = new ConsoleReporter(plan, { out });
    const adapter = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', driver: 'llvmpipe: Mesa 25.0.7', fallback: true };
    reporter.onEvent({ ...events[0], backend: 'webgpu', backendsTried: [], environment: { trainyard: '0', node: 'v20', cpu: 'c', platform: 'p', adapter } } as RunEvent);
    assert.match(out.text, /^ {2}adapter: mesa software \(llvmpipe: Mesa 25\.0\.7\), fallback: a software renderer, slow$/m);
  });
});
