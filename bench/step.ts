// npm run bench:step: milliseconds per training step of the lecture's MLP (784-400-256-10, batch
// 100: forward, backward, optimizer update) and per evaluation batch, on every backend that loads
// (webgpu on any adapter, named beside it: on a software one the figure says nothing of a GPU);
// then the CNN of experiments/cnn-fashion-mnist.yaml beside PyTorch (bench/cnn-step.ts).
import { createRegistries } from '../src/registry/index.js';
import { buildModel } from '../src/runner/model.js';
import { seedStreams } from '../src/runner/trial.js';
import { autoOrder } from '../src/registry/backends/auto.js';
import type { TF } from '../src/registry/kinds.js';
import { cnnBench } from './cnn-step.js';
import { LECTURE_LAYERS, LECTURE_OPTIMIZERS } from './lecture-model.js';
import { adapterLabel } from '../src/registry/backends/dawn.js';

const LAYERS = LECTURE_LAYERS;
const OPTIMIZERS = LECTURE_OPTIMIZERS;

/**
 * Median milliseconds of `run` over `repeats` timed calls after a warm-up. On a GPU a call only
 * queues work: each one there ends when its result is read back (what a step costs in a run).
 */
async function time(tf: TF, run: () => unknown, repeats: number): Promise<number> {
  const settle = async (out: unknown) => {
    if (out instanceof Promise) await out;
    await tf.ready();
  };
  for (let i = 0; i < 5; i++) await settle(run());
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await settle(run());
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
    let label = name;
    let slow = name === 'cpu';
    const gpu = registries.backends.get(name).device === 'gpu';
    try {
      const loaded = await registries.backends.get(name).load({ backends: registries.backends });
      tf = loaded.tf;
      if (loaded.adapter) label = `${name} (${adapterLabel(loaded.adapter)})`;
      slow ||= loaded.adapter?.fallback === true;
    } catch (error) {
      rows.push([name, `not available: ${(error as Error).message.split('. ')[0]}`, '', '', '']);
      continue;
    }
    const repeats = slow ? 10 : 60;
    const x = tf.randomUniform([100, 28, 28]);
    const labels = tf.tensor1d(Array.from({ length: 100 }, (_, i) => i % 10), 'int32');
    const evalX = tf.randomUniform([1000, 28, 28]);
    const loss = registries.losses.get('crossEntropy').create({ labelSmoothing: 0 }, { tf });
    const figures: string[] = [label];
    let adamMs = 0;
    for (const [type, params] of Object.entries(OPTIMIZERS)) {
      const model = buildModel(tf, LAYERS, registries, [28, 28], seedStreams(0).init);
      const optimizer = registries.optimizers.get(type).create(params, { tf });
      const step = () => {
        const value = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => loss(model.apply(x, true), labels), model.variables);
          optimizer.step(model.variables, model.variables.map((v) => grads[v.name]!), 1e-4);
          return value;
        });
        if (!gpu) return tf.dispose(value);
        return value.data().then(() => value.dispose());
      };
      const ms = await time(tf, step, repeats);
      if (type === 'adam') adamMs = ms;
      figures.push(ms.toFixed(2));
      const evaluate = () => {
        const out = tf.tidy(() => tf.argMax(model.apply(evalX, false), -1));
        if (!gpu) return tf.dispose(out);
        return out.data().then(() => out.dispose());
      };
      if (type === 'adam') figures.push((await time(tf, evaluate, Math.ceil(repeats / 4))).toFixed(2));
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
