// npm run bench: the lecture on full Fashion-MNIST, PyTorch and trainyard in one invocation,
// side by side on the same machine; results appended to bench/results/.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem, tmpdir, platform, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    quick: { type: 'boolean', default: false },
    'skip-torch': { type: 'boolean', default: false },
    torch: { type: 'string', default: 'both' },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench -- [--epochs N] [--quick] [--torch tuned|shipped|both] [--skip-torch] [--workers N]

Runs the lecture (784-400-256-10 MLP, batch 100, SGD / SGD momentum / Adam side by side) on full
Fashion-MNIST 60k/10k with PyTorch (bench/lecture_torch.py, /usr/bin/python3) and with trainyard
(experiments/lecture-25-fashion-mnist.yaml), and prints both and the ratio trainyard / PyTorch.

PyTorch runs as shipped (its intra-op threads, each calling a multi-threaded OpenBLAS: on 2 cores
that oversubscribes them) and tuned (OPENBLAS_NUM_THREADS=1); the ratio is against the faster of
the two. --torch picks one (default both). --quick runs 1 epoch.
Needs: apt-get install -y python3-torch libopenblas0-pthread dataset-fashion-mnist`);
  process.exit(0);
}
const epochs = values.quick ? 1 : Number(values.epochs);
if (!Number.isInteger(epochs) || epochs < 1) {
  console.error(`bench: --epochs must be a positive integer, got ${values.epochs}`);
  process.exit(2);
}
if (!['tuned', 'shipped', 'both'].includes(values.torch)) {
  console.error(`bench: --torch must be tuned, shipped or both, got ${values.torch}`);
  process.exit(2);
}

interface Outcome {
  tool: string;
  wallSeconds: number;
  trainingSeconds: number;
  trainingSteps: number;
  peakRssMB: number;
  final: Record<string, number>;
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

/** PyTorch as shipped, or with OpenBLAS single-threaded under its own intra-op threads. */
async function torchRun(tuned: boolean): Promise<Outcome> {
  const env = { ...process.env };
  if (tuned) env.OPENBLAS_NUM_THREADS = '1';
  else delete env.OPENBLAS_NUM_THREADS;
  const run = await timed('/usr/bin/python3', ['bench/lecture_torch.py', '--epochs', String(epochs)], env);
  if (run.code !== 0) throw new Error(`PyTorch reference failed (exit ${run.code}); is python3-torch installed? (apt-get install -y python3-torch libopenblas0-pthread)`);
  const r = JSON.parse(run.stdout);
  return {
    tool: `${r.tool} (${r.threads} threads, OpenBLAS ${tuned ? '1 thread' : 'as shipped'})`,
    wallSeconds: run.seconds,
    trainingSeconds: r.seconds,
    trainingSteps: r.trainingSteps,
    peakRssMB: r.peakRssMB,
    final: Object.fromEntries(Object.entries(r.final as Record<string, { testAccuracy: number }>).map(([k, v]) => [k, v.testAccuracy])),
  };
}

async function trainyardRun(): Promise<Outcome> {
  const out = mkdtempSync(join(tmpdir(), 'trainyard-bench-'));
  const args = ['dist/src/cli.js', 'run', 'experiments/lecture-25-fashion-mnist.yaml', '--epochs', String(epochs), '--out', out, '--quiet'];
  if (values.workers) args.push('--workers', values.workers);
  const run = await timed(process.execPath, args);
  if (run.code !== 0) throw new Error(`trainyard run failed (exit ${run.code})`);
  const dir = join(out, 'lecture-25-fashion-mnist');
  const metrics = JSON.parse(readFileSync(join(dir, readlinkSync(join(dir, 'latest')), 'metrics.json'), 'utf8'));
  const trials = metrics.trials as { name: string; epochs: { testAccuracy: number; steps: number }[] }[];
  return {
    tool: `trainyard ${metrics.environment.trainyard} (${metrics.environment.backend})`,
    wallSeconds: run.seconds,
    trainingSeconds: metrics.seconds,
    trainingSteps: trials.reduce((sum, t) => sum + (t.epochs.at(-1)?.steps ?? 0), 0),
    peakRssMB: metrics.peakRssMB,
    final: Object.fromEntries(trials.map((t) => [t.name, t.epochs.at(-1)?.testAccuracy ?? NaN])),
  };
}

const row = (o: Outcome) => [
  o.tool,
  o.wallSeconds.toFixed(1),
  o.trainingSeconds.toFixed(1),
  (o.trainingSteps / o.trainingSeconds).toFixed(0),
  o.peakRssMB.toFixed(0),
  ...['SGD', 'SGD with momentum', 'Adam'].map((name) => (o.final[name] ?? NaN).toFixed(4)),
];

async function main(): Promise<void> {
  const machine = { cpu: `${cpus()[0]?.model} x ${cpus().length}`, memoryGB: Math.round(totalmem() / 2 ** 30), platform: `${platform()} ${release()}`, node: process.version };
  console.log(`lecture-25 on Fashion-MNIST 60k/10k, ${epochs} epoch(s), ${machine.cpu}`);
  const which = values['skip-torch'] ? [] : values.torch === 'both' ? [false, true] : [values.torch === 'tuned'];
  const torchRuns: Outcome[] = [];
  for (const tuned of which) torchRuns.push(await torchRun(tuned));
  const ours = await trainyardRun();
  // The reference is PyTorch at its best on this machine.
  const torch = torchRuns.reduce<Outcome | undefined>((best, o) => (!best || o.wallSeconds < best.wallSeconds ? o : best), undefined);
  const header = ['', 'wall s', 'training s', 'steps/s', 'peak RSS MB', 'SGD acc', 'SGD momentum acc', 'Adam acc'];
  const rows = [header, ...torchRuns.map(row), row(ours)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  const ratio = torch ? ours.wallSeconds / torch.wallSeconds : undefined;
  if (ratio !== undefined) {
    console.log(`\ntrainyard / PyTorch (wall time, against ${torch!.tool}): ${ratio.toFixed(2)}   (training loops only: ${(ours.trainingSeconds / torch!.trainingSeconds).toFixed(2)})`);
    for (const o of torchRuns.filter((o) => o !== torch)) console.log(`against ${o.tool}: ${(ours.wallSeconds / o.wallSeconds).toFixed(2)}`);
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), epochs, machine, torch, torchRuns, trainyard: ours, ratio }, null, 2)}\n`);
  console.log(`results: ${file}`);
}

main().catch((error) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exitCode = 1;
});
