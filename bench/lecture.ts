// npm run bench: the lecture on full Fashion-MNIST, and the lecture over 5 seeds (a study of 15
// trials), PyTorch and trainyard in one invocation on the same machine, each against the
// arithmetic floor measured in the same run; results appended to bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lectureFloor, type Floor } from './floor.js';
import { bestTorchConfig, torchLecture, torchStudy, trainyardRun, type Outcome, type TorchConfig } from './lecture-runs.js';
import { ROOT } from './lecture-runs.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    seeds: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    'skip-torch': { type: 'boolean', default: false },
    'skip-study': { type: 'boolean', default: false },
    'skip-lecture': { type: 'boolean', default: false },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench -- [--epochs N] [--runs N] [--seeds N] [--quick] [--skip-torch] [--skip-study] [--skip-lecture] [--workers N]

The lecture (784-400-256-10 MLP, batch 100, SGD / SGD momentum / Adam side by side) on full
Fashion-MNIST 60k/10k, with PyTorch (bench/lecture_torch.py, /usr/bin/python3) and with trainyard
(experiments/lecture-25-fashion-mnist.yaml): --runs consecutive runs of each (default 3; the ratio is
their median), then the same over --seeds seeds (default 5: 15 trials). Every time is also given as
a multiple of the floor: sgemm's throughput on the lecture's shapes, measured here, times the run's
FLOPs, on every core.

PyTorch runs at its fastest configuration here, which the bench first finds on one short epoch:
as shipped, with OpenBLAS at 1 thread under its intra-op threads, and that with OpenBLAS's kernels
named for this CPU (OPENBLAS_CORETYPE, as trainyard names them). For the study it also tries two
single-thread processes side by side, and takes the faster way. --quick: 1 epoch, 1 run, 2 seeds.
Needs: apt-get install -y python3-torch libopenblas0-pthread dataset-fashion-mnist`);
  process.exit(0);
}
const number = (name: 'epochs' | 'runs' | 'seeds', fallback: number) => {
  const n = values.quick ? fallback : Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench: --${name} must be a positive integer, got ${values[name]}`);
    process.exit(2);
  }
  return n;
};
const epochs = number('epochs', 1);
const runs = number('runs', 1);
const seeds = number('seeds', 2);

const LECTURE = { widths: [784, 400, 256, 10], batch: 100, evalBatch: 1000, trainCount: 60000, testCount: 10000 };
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const f1 = (x: number) => x.toFixed(1);

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

const row = (o: Outcome, floor: Floor) => [
  o.tool,
  f1(o.wallSeconds),
  f1(o.trainingSeconds),
  `${(o.wallSeconds / floor.seconds).toFixed(2)}×`,
  (o.trainingSteps / o.trainingSeconds).toFixed(0),
  o.peakRssMB.toFixed(0),
  ...['SGD', 'SGD with momentum', 'Adam'].map((name) => (o.final[name] ?? NaN).toFixed(4)),
];
const HEADER = ['', 'wall s', 'training s', '× floor', 'steps/s', 'peak RSS MB', 'SGD acc', 'SGD momentum acc', 'Adam acc'];

const floorLine = (f: Floor) =>
  `floor: ${(f.flops / 1e12).toFixed(2)} TFLOP of matrix products at ${f1(f.gflopsPerCore)} GFLOP/s a core (sgemm on the lecture's shapes, ${f.library}) × ${f.cores} cores = ${f1(f.seconds)} s`;

async function lecture(torch: TorchConfig | undefined): Promise<Record<string, unknown>> {
  const floor = await lectureFloor({ ...LECTURE, trials: 3, epochs });
  console.log(`\n## The lecture: 3 trials, ${epochs} epoch(s), ${runs} consecutive run(s)\n${floorLine(floor)}`);
  const results: { torch?: Outcome; trainyard: Outcome; ratio?: number }[] = [];
  for (let r = 1; r <= runs; r++) {
    const theirs = torch ? await torchLecture(torch, epochs) : undefined;
    const ours = await trainyardRun(epochs, [], values.workers);
    const ratio = theirs ? ours.wallSeconds / theirs.wallSeconds : undefined;
    results.push({ ...(theirs ? { torch: theirs } : {}), trainyard: ours, ...(ratio !== undefined ? { ratio } : {}) });
    console.log(`\nrun ${r}:`);
    table([HEADER, ...(theirs ? [row(theirs, floor)] : []), row(ours, floor)]);
    console.log(`trainyard seconds per epoch (mean of its trials): ${ours.epochSeconds.map(f1).join(' ')}`);
    if (theirs) console.log(`PyTorch seconds per epoch: ${theirs.epochSeconds.map(f1).join(' ')}`);
    if (ratio !== undefined) console.log(`trainyard / PyTorch (wall): ${ratio.toFixed(2)}`);
  }
  const ratios = results.flatMap((r) => (r.ratio !== undefined ? [r.ratio] : []));
  const ours = results.map((r) => r.trainyard.wallSeconds);
  console.log(`\nlecture: trainyard ${ours.map(f1).join(', ')} s (median ${f1(median(ours))}, ${(median(ours) / floor.seconds).toFixed(2)}× the floor)`);
  if (ratios.length) {
    const theirs = results.map((r) => r.torch!.wallSeconds);
    console.log(`         PyTorch ${theirs.map(f1).join(', ')} s (median ${f1(median(theirs))}, ${(median(theirs) / floor.seconds).toFixed(2)}× the floor)`);
    console.log(`         trainyard / PyTorch: ${ratios.map((x) => x.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)}`);
    console.log(`         peak RSS: trainyard ${results.map((r) => r.trainyard.peakRssMB.toFixed(0)).join(', ')} MB, PyTorch ${results.map((r) => r.torch!.peakRssMB.toFixed(0)).join(', ')} MB`);
  }
  return { floor, runs: results, medianRatio: ratios.length ? median(ratios) : undefined };
}

async function study(torch: TorchConfig | undefined): Promise<Record<string, unknown>> {
  const trials = 3 * seeds;
  const floor = await lectureFloor({ ...LECTURE, trials, epochs });
  console.log(`\n## The study: the lecture over ${seeds} seeds (${trials} trials), ${epochs} epoch(s)\n${floorLine(floor)}`);
  const ours = await trainyardRun(epochs, ['--set', `seeds={count: ${seeds}}`], values.workers);
  const ways = torch ? await torchStudy(torch, epochs, seeds) : [];
  const best = ways.reduce<Outcome | undefined>((b, o) => (!b || o.wallSeconds < b.wallSeconds ? o : b), undefined);
  table([['', 'wall s', '× floor', 'peak RSS MB'], ...ways.map((o) => [o.tool, f1(o.wallSeconds), `${(o.wallSeconds / floor.seconds).toFixed(2)}×`, o.peakRssMB.toFixed(0)]), [ours.tool, f1(ours.wallSeconds), `${(ours.wallSeconds / floor.seconds).toFixed(2)}×`, ours.peakRssMB.toFixed(0)]]);
  console.log(`trainyard seconds per epoch (mean of its trials): ${ours.epochSeconds.map(f1).join(' ')}`);
  const ratio = best ? ours.wallSeconds / best.wallSeconds : undefined;
  if (best) console.log(`study: trainyard / PyTorch (against its faster way, ${best.tool}): ${ratio!.toFixed(2)}`);
  return { floor, trainyard: ours, torch: ways, ratio };
}

async function main(): Promise<void> {
  const machine = { cpu: `${cpus()[0]?.model} x ${cpus().length}`, memoryGB: Math.round(totalmem() / 2 ** 30), platform: `${platform()} ${release()}`, node: process.version };
  console.log(`trainyard bench, ${machine.cpu}, ${machine.memoryGB} GiB`);
  const torch = values['skip-torch'] ? undefined : await bestTorchConfig();
  const out: Record<string, unknown> = { date: new Date().toISOString(), epochs, runs, seeds, machine, torchConfig: torch };
  if (!values['skip-lecture']) out.lecture = await lecture(torch);
  if (!values['skip-study']) out.study = await study(torch);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nresults: ${file}`);
}

main().catch((error) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exitCode = 1;
});
