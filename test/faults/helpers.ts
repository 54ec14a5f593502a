// Helpers for the fault tests (test/faults/, `npm run test:faults`, its own CI step): the CLI as a
// child process with fault injection (TRAINYARD_FAILPOINT, see src/util/failpoint.ts), run
// directories, and comparisons of metrics on every field but the timing ones.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI, ROOT } from '../run-helpers.js';

export { makeTempDir, writeExperiment, smallLecture } from '../run-helpers.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it, with extra environment (a failpoint, say). */
export function trainyard(args: string[], env: Record<string, string> = {}, timeout = 120000): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout, env: { ...process.env, ...env } });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** The same, not waiting: for two processes at once. */
export function trainyardAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));

/** The run `latest` names under <out>/<experiment>. */
export const runDirOf = (out: string, experiment: string): string => join(out, experiment, readlinkSync(join(out, experiment, 'latest')));

const TIMING = new Set(['seconds', 'cumulativeSeconds']);

/** A trial's metrics without timing, for "identical metrics". */
export function trialsWithoutTiming(metrics: any): unknown {
  return metrics.trials.map((t: any) => ({
    ...t,
    epochs: t.epochs.map((e: any) => Object.fromEntries(Object.entries(e).filter(([k]) => !TIMING.has(k)))),
  }));
}

/** metrics.json equal to the reference's on every field that is not timing, machine or date. */
export function assertSameMetrics(actual: any, reference: any, what = ''): void {
  assert.equal(actual.status, reference.status, `${what} run status`);
  assert.deepEqual(trialsWithoutTiming(actual), trialsWithoutTiming(reference), what);
}

/** No temp file left, every JSON file parses, every line of events.jsonl is an event or was copied aside. */
export function assertNothingCorrupt(dir: string): void {
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  for (const file of walk(dir)) {
    assert.doesNotMatch(file, /\.tmp$/, `no temp file left: ${file}`);
    if (file.endsWith('.json')) readJson(file);
    if (file.endsWith('.jsonl')) {
      const aside = readdirSync(dirname(file))
        .filter((n) => n.startsWith('events.jsonl.bad-'))
        .flatMap((n) => readFileSync(join(dirname(file), n), 'utf8').split('\n'));
      for (const line of readFileSync(file, 'utf8').trim().split('\n')) if (!aside.includes(line)) JSON.parse(line);
    }
  }
  assert.equal(existsSync(join(dir, '.lock')), false, 'the lock is released');
}

/** Epoch numbers of each trial, to see that none repeats. */
export const epochNumbers = (metrics: any): number[][] => metrics.trials.map((t: any) => t.epochs.map((e: any) => e.epoch));

/** Whether this process may mount file systems (root with CAP_SYS_ADMIN: CI and the project's machines). */
export function canMount(): boolean {
  return spawnSync('mount', ['--version']).status === 0 && process.getuid?.() === 0;
}

/** Mounts a tmpfs of `size` at `dir` (made), runs fn, unmounts. */
export async function withTmpfs<T>(dir: string, size: string, fn: () => Promise<T> | T): Promise<T> {
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (mounted.status !== 0) throw new Error(`cannot mount a tmpfs: ${mounted.stderr}`);
  try {
    return await fn();
  } finally {
    spawnSync('umount', ['-l', dir]);
  }
}

/** A small experiment that trains in a second or two. */
export function tinyLecture(name: string, extra = '', opts: { epochs?: number; backend?: string; optimizers?: string; training?: string } = {}): string {
  return `name: ${name}
dataset: {type: mnist-bundled, trainSize: 400, testSize: 100}
model:
  layers: [flatten, {type: dense, units: 24}, relu, {type: dense, units: 10}]
loss: crossEntropy
optimizers:
${opts.optimizers ?? `  - {name: SGD, type: sgd, lr: 0.05}
  - {name: SGD with momentum, type: sgd, lr: 0.05, momentum: 0.9}
  - {name: Adam, type: adam, lr: 0.001}`}
training: {epochs: ${opts.epochs ?? 3}, batchSize: 50${opts.training ? `, ${opts.training}` : ''}}
seeds: [0]
backend: ${opts.backend ?? 'wasm'}
${extra}`;
}
