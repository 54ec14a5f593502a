// npm run bench:step: milliseconds per training step of the lecture's MLP (784-400-256-10, batch
// 100: forward, backward, optimizer update) and per evaluation batch, on every backend that loads;
// then the CNN of experiments/cnn-fashion-mnist.yaml beside PyTorch (bench/cnn-step.ts).
import { createRegistries } from '../src/registry/index.js';
import { buildModel } from '../src/runner/model.js';
import { seedStreams } from '../src/runner/trial.js';
import { autoOrder } from '../src/registry/backends/auto.js';
import type { TF } from '../src/registry/kinds.js';
import { cnnBench } from './cnn-step.js';

const LAYERS = [
  { type: 'flatten' },
  { type: 'dense', units: 400, activation: 'linear', useBias: true },
  { type: 'relu' },
  { type: 'dense', units: 256, activation: 'linear', useBias: true },
  { type: 'relu' },
  { type: 'dense', units: 10, activation: 'linear', useBias: true },
];
const OPTIMIZERS = {
  sgd: { lr: 1e-4, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
  adam: { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false },
};

/** Median milliseconds of `run` over `repeats` timed calls after a warm-up. */
async function time(tf: TF, run: () => void, repeats: number): Promise<number> {
  for (let i = 0; i < 5; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    run();
    await tf.ready();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

async function main(): Promise<void> {
  const registries = createRegistries();
  const rows: string[][] = [['backend', 'sgd momentum step ms', 'adam step ms', 'eval ms / 1000 samples', 'steps/s (adam)']];
  for (const name of autoOrder(registries.backends.list())) {
    let tf: TF;
    try {
      tf = (await registries.backends.get(name).load({ backends: registries.backends })).tf;
    } catch (error) {
      rows.push([name, `not available: ${(error as Error).message.split('. ')[0]}`, '', '', '']);
      continue;
    }
    const repeats = name === 'cpu' ? 10 : 60;
    const x = tf.randomUniform([100, 28, 28]);
    const labels = tf.tensor1d(Array.from({ length: 100 }, (_, i) => i % 10), 'int32');
    const evalX = tf.randomUniform([1000, 28, 28]);
    const loss = registries.losses.get('crossEntropy').create({ labelSmoothing: 0 }, { tf });
    const figures: string[] = [name];
    let adamMs = 0;
    for (const [type, params] of Object.entries(OPTIMIZERS)) {
      const model = buildModel(tf, LAYERS, registries, [28, 28], seedStreams(0).init);
      const optimizer = registries.optimizers.get(type).create(params, { tf });
      const step = () =>
        tf.dispose(
          tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => loss(model.apply(x, true), labels), model.variables);
            optimizer.step(model.variables, model.variables.map((v) => grads[v.name]), 1e-4);
            return value;
          }),
        );
      const ms = await time(tf, step, repeats);
      if (type === 'adam') adamMs = ms;
      figures.push(ms.toFixed(2));
      if (type === 'adam') figures.push((await time(tf, () => tf.dispose(tf.tidy(() => tf.argMax(model.apply(evalX, false), -1))), Math.ceil(repeats / 4))).toFixed(2));
      optimizer.dispose();
      model.dispose();
    }
    figures.push((1000 / adamMs).toFixed(0));
    rows.push(figures);
    tf.dispose([x, labels, evalX]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  '));
  await cnnBench();
}

await main();
