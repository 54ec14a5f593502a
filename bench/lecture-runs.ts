// The runs `npm run bench` times: PyTorch's lecture (bench/lecture_torch.py) in the configuration
// that is fastest here, alone or as several processes side by side, and trainyard's CLI on
// experiments/lecture-25-fashion-mnist.yaml.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuFlags, openBlasCoreFor } from '../src/kernels/blas/core-type.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface Outcome {
  tool: string;
  wallSeconds: number;
  trainingSeconds: number;
  trainingSteps: number;
  /** Peak resident memory; for processes side by side, the sum of theirs. */
  peakRssMB: number;
  /** Test accuracy of the first seed's trials, by optimizer name. */
  final: Record<string, number>;
  /** Seconds of each epoch (mean over trials). */
  epochSeconds: number[];
}

export interface TorchConfig {
  label: string;
  env: Record<string, string>;
}

/** Runs a command, returning its stdout and wall time; stderr passes through. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; seconds: number; code: number }> {
  return new Promise((ok) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('close', (code) => ok({ stdout, seconds: (performance.now() - started) / 1000, code: code ?? 1 }));
    child.on('error', () => ok({ stdout, seconds: 0, code: 127 }));
  });
}

interface TorchReport {
  tool: string;
  threads: number;
  seconds: number;
  trainingSteps: number;
  peakRssMB: number;
  final: Record<string, { testAccuracy: number }>;
  history: Record<string, { seconds: number }[]>;
}

async function torchProcess(config: TorchConfig, args: string[]): Promise<TorchReport & { wallSeconds: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OPENBLAS_NUM_THREADS;
  delete env.OPENBLAS_CORETYPE;
  const run = await timed('/usr/bin/python3', ['bench/lecture_torch.py', ...args], { ...env, ...config.env });
  if (run.code !== 0) throw new Error(`PyTorch reference failed (exit ${run.code}); is python3-torch installed? (apt-get install -y python3-torch libopenblas0-pthread)`);
  return { ...(JSON.parse(run.stdout) as TorchReport), wallSeconds: run.seconds };
}

const meanPerEpoch = (histories: { seconds: number }[][]): number[] =>
  histories[0]!.map((_, e) => histories.reduce((s, h) => s + (h[e]?.seconds ?? 0), 0) / histories.length);

const torchOutcome = (config: TorchConfig, r: TorchReport & { wallSeconds: number }, label = ''): Outcome => ({
  tool: `${r.tool} (${r.threads} thread${r.threads > 1 ? 's' : ''}, ${config.label}${label})`,
  wallSeconds: r.wallSeconds,
  trainingSeconds: r.seconds,
  trainingSteps: r.trainingSteps,
  peakRssMB: r.peakRssMB,
  final: Object.fromEntries(Object.entries(r.final).map(([k, v]) => [k, v.testAccuracy])),
  epochSeconds: meanPerEpoch(Object.values(r.history)),
});

/** OpenBLAS on 1 thread under PyTorch's own threads, and that with its kernels named for this CPU where the flags name them. */
export function singleThreadTorchConfigs(): TorchConfig[] {
  const core = openBlasCoreFor(cpuFlags());
  return [
    { label: 'OpenBLAS 1 thread', env: { OPENBLAS_NUM_THREADS: '1' } },
    ...(core ? [{ label: `OpenBLAS 1 thread, ${core} kernels`, env: { OPENBLAS_NUM_THREADS: '1', OPENBLAS_CORETYPE: core } }] : []),
  ];
}

/**
 * PyTorch's configurations here, each timed on one epoch of 10,000 samples; the fastest is the
 * reference. As shipped, PyTorch's 2 intra-op threads each call a multi-threaded OpenBLAS, which
 * oversubscribes 2 cores; OpenBLAS may also misjudge the CPU (see src/kernels/blas/core-type.ts).
 */
export async function bestTorchConfig(): Promise<TorchConfig> {
  const configs: TorchConfig[] = [{ label: 'OpenBLAS as shipped', env: {} }, ...singleThreadTorchConfigs()];
  console.log('\nPyTorch configurations, one epoch on 10,000 samples each:');
  let best: { config: TorchConfig; seconds: number } | undefined;
  for (const config of configs) {
    const r = await torchProcess(config, ['--epochs', '1', '--train-limit', '10000']);
    console.log(`  ${config.label.padEnd(36)} ${r.seconds.toFixed(1)} s`);
    if (!best || r.seconds < best.seconds) best = { config, seconds: r.seconds };
  }
  console.log(`  fastest: ${best!.config.label} (the reference below)`);
  return best!.config;
}

export async function torchLecture(config: TorchConfig, epochs: number): Promise<Outcome> {
  return torchOutcome(config, await torchProcess(config, ['--epochs', String(epochs)]));
}

/**
 * The study's trials PyTorch's two ways: one process at 2 threads, seeds one after another; and two
 * single-thread processes side by side (this machine's cores), the seeds dealt between them.
 */
export async function torchStudy(config: TorchConfig, epochs: number, seeds: number): Promise<Outcome[]> {
  const all = Array.from({ length: seeds }, (_, i) => i);
  const one = await torchProcess(config, ['--epochs', String(epochs), '--seeds', all.join(',')]);
  const sequential = torchOutcome(config, one, `, one process, ${seeds} seeds in turn`);
  const processes = Math.min(2, seeds);
  const started = performance.now();
  const side = await Promise.all(
    Array.from({ length: processes }, (_, p) => torchProcess(config, ['--epochs', String(epochs), '--threads', '1', '--seeds', all.filter((s) => s % processes === p).join(',')])),
  );
  const wall = (performance.now() - started) / 1000;
  const parallel: Outcome = {
    ...torchOutcome({ ...config }, { ...side[0]!, wallSeconds: wall }, `, ${processes} processes side by side`),
    trainingSeconds: Math.max(...side.map((r) => r.seconds)),
    trainingSteps: side.reduce((s, r) => s + r.trainingSteps, 0),
    peakRssMB: side.reduce((s, r) => s + r.peakRssMB, 0),
  };
  return [sequential, parallel];
}

export async function trainyardRun(epochs: number, extra: string[], workers?: string): Promise<Outcome> {
  const out = mkdtempSync(join(tmpdir(), 'trainyard-bench-'));
  const args = ['dist/src/cli.js', 'run', 'experiments/lecture-25-fashion-mnist.yaml', '--epochs', String(epochs), '--out', out, '--quiet', ...extra];
  if (workers) args.push('--workers', workers);
  const run = await timed(process.execPath, args);
  if (run.code !== 0) throw new Error(`trainyard run failed (exit ${run.code})`);
  const dir = join(out, 'lecture-25-fashion-mnist');
  const metrics = JSON.parse(readFileSync(join(dir, readlinkSync(join(dir, 'latest')), 'metrics.json'), 'utf8'));
  const trials = metrics.trials as { name: string; seed: number; epochs: { testAccuracy: number; steps: number; seconds: number }[] }[];
  return {
    tool: `trainyard ${metrics.environment.trainyard} (${metrics.environment.backend})`,
    wallSeconds: run.seconds,
    trainingSeconds: metrics.seconds,
    trainingSteps: trials.reduce((sum, t) => sum + (t.epochs.at(-1)?.steps ?? 0), 0),
    peakRssMB: metrics.peakRssMB,
    final: Object.fromEntries(trials.filter((t) => t.seed === trials[0]!.seed).map((t) => [t.name, t.epochs.at(-1)?.testAccuracy ?? NaN])),
    epochSeconds: meanPerEpoch(trials.map((t) => t.epochs)),
  };
}
