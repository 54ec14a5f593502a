// The CNN part of `npm run bench:step`: milliseconds per Adam step of experiments/cnn-fashion-mnist.yaml's
// network at batch 100 on the default backend (one trial: one thread), beside PyTorch's step for the
// same network at 1 and 2 threads (bench/cnn_step_torch.py), measured in one run; and where the
// time of trainyard's step goes, kernel by kernel.
import { spawn, spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { createRegistries } from '../src/registry/index.js';
import { buildModel } from '../src/runner/model.js';
import { seedStreams } from '../src/runner/trial.js';
import type { TF } from '../src/registry/kinds.js';
import { singleThreadTorchConfigs } from './lecture-runs.js';

export const CNN_LAYERS = [
  { type: 'conv2d', outChannels: 32, kernelSize: 3, stride: 1, padding: 1, dilation: 1, bias: true },
  { type: 'relu' },
  { type: 'maxPool2d', kernelSize: 2, padding: 0 },
  { type: 'conv2d', outChannels: 64, kernelSize: 3, stride: 1, padding: 1, dilation: 1, bias: true },
  { type: 'relu' },
  { type: 'maxPool2d', kernelSize: 2, padding: 0 },
  { type: 'flatten' },
  { type: 'dense', units: 128, activation: 'linear', useBias: true },
  { type: 'relu' },
  { type: 'dense', units: 10, activation: 'linear', useBias: true },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median ms per step and the kernels' share of one profiled step. */
export async function trainyardStep(tf: TF, repeats: number): Promise<{ ms: number; kernels: [string, number][] }> {
  const registries = createRegistries();
  const model = buildModel(tf, CNN_LAYERS, registries, [1, 28, 28], seedStreams(0).init);
  const optimizer = registries.optimizers.get('adam').create({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }, { tf });
  const loss = registries.losses.get('crossEntropy').create({ labelSmoothing: 0 }, { tf });
  const x = tf.randomUniform([100, 1, 28, 28]);
  const labels = tf.tensor1d(Array.from({ length: 100 }, (_, i) => i % 10), 'int32');
  const step = () =>
    tf.dispose(
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => loss(model.apply(x, true), labels), model.variables);
        optimizer.step(model.variables, model.variables.map((v) => grads[v.name]!), 1e-3);
        return value;
      }),
    );
  for (let i = 0; i < 5; i++) step();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    step();
    await tf.ready();
    samples.push(performance.now() - started);
  }
  const profile = await tf.profile(step);
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  tf.dispose([x, labels]);
  optimizer.dispose();
  model.dispose();
  return { ms: median(samples), kernels: [...byKernel.entries()].sort((a, b) => b[1] - a[1]) };
}

/** Steps per second of `count` trials side by side, each in a worker thread of its own (as a run trains them). */
async function trainyardThroughput(count: number, repeats: number): Promise<number> {
  const each = await Promise.all(
    Array.from({ length: count }, () => new Promise<number>((resolve, reject) => {
      const worker = new Worker(new URL('./cnn-step-thread.js', import.meta.url), { workerData: { repeats } });
      worker.once('message', (ms: number) => resolve(ms));
      worker.once('error', reject);
    })),
  );
  // Each thread's median step, summed as rates: what the trials make together while they all run.
  return each.reduce((rate, ms) => rate + 1000 / ms, 0);
}

/** PyTorch's steps per second on this machine's cores for `count` trials: the better of one process at 2 threads (trials one after another) and `count` single-thread processes side by side. */
async function torchThroughput(count: number, repeats: number, threads2: number, env: Record<string, string>): Promise<{ best: number; processes: number }> {
  const one = () => new Promise<number>((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['bench/cnn_step_torch.py', String(repeats), 'one-thread'], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve((JSON.parse(out) as { threads1: number }).threads1) : reject(new Error(`exit ${code}`))));
  });
  const processes = (await Promise.all(Array.from({ length: count }, one))).reduce((rate, ms) => rate + 1000 / ms, 0);
  return { best: Math.max(processes, 1000 / threads2), processes };
}

export async function cnnBench(repeats = 20): Promise<void> {
  const registries = createRegistries();
  const { tf, name } = await registries.backends.get('auto').load({ backends: registries.backends });
  const ours = await trainyardStep(tf, repeats);
  // PyTorch at its fastest here: OpenBLAS on 1 thread, with and without its kernels named for this CPU (the faster of the two).
  const configs = singleThreadTorchConfigs();
  const { OPENBLAS_CORETYPE: _, ...inherited } = process.env;
  const tried = configs.map((c) => ({ ...c, run: spawnSync('/usr/bin/python3', ['bench/cnn_step_torch.py', String(repeats)], { encoding: 'utf8', env: { ...inherited, ...c.env } }) }));
  const measured = tried.filter((t) => t.run.status === 0).map((t) => ({ ...t, ref: JSON.parse(t.run.stdout) as { torch: string; threads1: number; threads2: number } }));
  const fastest = measured.reduce<(typeof measured)[number] | undefined>((b, t) => (!b || t.ref.threads1 < b.ref.threads1 ? t : b), undefined);
  const torch = fastest?.run ?? tried[0]!.run;
  console.log(`\nCNN of experiments/cnn-fashion-mnist.yaml, Adam step at batch 100 (median of ${repeats}):`);
  console.log(`  trainyard on ${name} (one trial, one thread): ${ours.ms.toFixed(1)} ms`);
  for (const t of measured) console.log(`  PyTorch with ${t.label}: ${t.ref.threads1.toFixed(1)} ms at 1 thread, ${t.ref.threads2.toFixed(1)} ms at 2`);
  if (fastest) {
    const ref = fastest.ref;
    console.log(`  against PyTorch's faster configuration (${fastest.label}):`);
    console.log(`  PyTorch ${ref.torch}, 1 thread: ${ref.threads1.toFixed(1)} ms (trainyard / PyTorch: ${(ours.ms / ref.threads1).toFixed(2)})`);
    console.log(`  PyTorch ${ref.torch}, 2 threads: ${ref.threads2.toFixed(1)} ms (trainyard / PyTorch: ${(ours.ms / ref.threads2).toFixed(2)})`);
    // The three trials of the experiment on both cores: steps per second, all trials together.
    const ourRate = await trainyardThroughput(3, repeats);
    const theirs = await torchThroughput(3, repeats, ref.threads2, fastest.env);
    console.log(`  three trials on both cores: trainyard ${ourRate.toFixed(1)} steps/s (three worker threads), PyTorch ${theirs.best.toFixed(1)} steps/s (its best of three 1-thread processes side by side, ${theirs.processes.toFixed(1)}, and one process at 2 threads, ${(1000 / ref.threads2).toFixed(1)}); trainyard / PyTorch throughput: ${(ourRate / theirs.best).toFixed(2)}`);
  } else {
    console.log(`  PyTorch: not measured (${(torch.stderr || torch.error?.message || '').trim().split('\n').at(-1)}); apt-get install -y python3-torch`);
  }
  const total = ours.kernels.reduce((a, [, ms]) => a + ms, 0);
  console.log(`  where trainyard's step goes (one profiled step, kernel time ${total.toFixed(1)} ms):`);
  for (const [kernel, ms] of ours.kernels.slice(0, 10)) console.log(`    ${kernel.padEnd(28)} ${ms.toFixed(1).padStart(7)} ms  ${((100 * ms) / total).toFixed(0).padStart(3)}%`);
}
