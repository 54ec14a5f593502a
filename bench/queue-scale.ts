// The coordinator's cost per trial on a queue (npm run bench:queue [-- TRIALS WORKERS]): a study of
// tiny trials (1 epoch of a 784-4-10 MLP on 100 digits) on a Redis of its own and WORKERS local
// worker processes; prints the coordinator's CPU time per trial (enqueue, events, result copies),
// its peak memory and Redis's, and the wall time. The workers' own time is theirs, not counted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../test/redis-server.js';
import { startWorker, type Proc } from '../test/queue-helpers.js';
import { CLI, ROOT } from '../test/run-helpers.js';

const trials = Number(process.argv[2] ?? 300);
const workerCount = Number(process.argv[3] ?? 4);
const seeds = Math.ceil(trials / 2);
const dir = mkdtempSync(join(tmpdir(), 'trainyard-queue-scale-'));
const file = join(dir, 'scale.yaml');
writeFileSync(
  file,
  `name: scale
dataset: {type: mnist-bundled, trainSize: 100, testSize: 50}
model: {layers: [flatten, {type: dense, units: 4}, relu, {type: dense, units: 10}]}
loss: crossEntropy
optimizers: [{name: SGD, type: sgd, lr: 0.05}, {name: Adam, type: adam, lr: 0.001}]
training: {epochs: 1, batchSize: 50}
seeds: [${Array.from({ length: seeds }, (_, i) => i).join(', ')}]
backend: wasm
`,
);
const redis = await startRedis();
const workers: Proc[] = [];
try {
  for (let i = 0; i < workerCount; i++) workers.push(await startWorker(redis.url, ['--name', `w${i + 1}`]));
  // QUEUE_BENCH_PROFILE=DIR: a CPU profile of the coordinator into DIR.
  const profile = process.env.QUEUE_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.QUEUE_BENCH_PROFILE}`] : [];
  const run = spawnSync('/usr/bin/time', ['-f', '%U %S %e %M', process.execPath, ...profile, CLI, 'run', file, '--out', join(dir, 'runs'), '--quiet', '--no-report'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TRAINYARD_QUEUE: redis.url, },
  });
  const [user, sys, wall, maxKb] = run.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  if (run.status !== 0) throw new Error(`the run failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  const info = spawnSync('redis-cli', ['-p', String(redis.port), '--no-auth-warning', '-a', redis.password, 'INFO', 'memory'], { encoding: 'utf8' }).stdout;
  const redisPeak = Number(/used_memory_peak:(\d+)/.exec(info)?.[1] ?? NaN) / 1024 / 1024;
  const runDir = join(dir, 'runs', 'scale', readlinkSync(join(dir, 'runs', 'scale', 'latest')));
  const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
  const n = metrics.trials.length;
  const cpu = user! + sys!;
  console.log(
    JSON.stringify(
      {
        trials: n,
        workers: workerCount,
        status: metrics.status,
        wallSeconds: wall,
        trialsPerSecond: Number((n / wall!).toFixed(2)),
        coordinatorCpuSeconds: Number(cpu.toFixed(2)),
        coordinatorCpuMsPerTrial: Number(((cpu * 1000) / n).toFixed(1)),
        coordinatorPeakRssMB: Math.round(maxKb! / 1024),
        redisPeakMB: Number(redisPeak.toFixed(1)),
        eventsPerTrial: Number((readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').length / n).toFixed(1)),
      },
      null,
      2,
    ),
  );
} finally {
  for (const w of workers) await w.kill('SIGTERM');
  await redis.stop();
}
