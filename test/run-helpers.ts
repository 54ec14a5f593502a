// Helpers for runner, reporter and data tests: the CLI as a child process, small experiments.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(process.cwd());
export const CLI = join(ROOT, 'dist', 'src', 'cli.js');

export function makeTempDir(prefix = 'trainyard-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the trainyard CLI as a user would; returns exit code and both streams. */
export function cli(args: string[], options: { cwd?: string; timeout?: number } = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, encoding: 'utf8', timeout: options.timeout ?? 120000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Writes an experiment YAML into dir and returns its path. */
export function writeExperiment(dir: string, name: string, yaml: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** A small version of the lecture on a few hundred bundled digits. */
export function smallLecture(overrides: { name?: string; optimizers?: string; epochs?: number; seeds?: string; extra?: string } = {}): string {
  return `name: ${overrides.name ?? 'small-lecture'}
dataset: {type: mnist-bundled, trainSize: 300, testSize: 100}
model:
  layers: [flatten, {type: dense, units: 32}, relu, {type: dense, units: 10}]
loss: crossEntropy
optimizers:
${overrides.optimizers ?? `  - {name: SGD, type: sgd, lr: 0.05}
  - {name: SGD with momentum, type: sgd, lr: 0.05, momentum: 0.9}
  - {name: Adam, type: adam, lr: 0.001}`}
training: {epochs: ${overrides.epochs ?? 2}, batchSize: 50}
seeds: ${overrides.seeds ?? '[0]'}
backend: wasm
${overrides.extra ?? ''}`;
}

/** Metrics without the fields that measure time, for "identical metrics" comparisons. */
export function withoutTiming(metrics: any): unknown {
  return metrics.trials.map((t: any) => ({
    ...t,
    epochs: t.epochs.map(({ seconds: _s, cumulativeSeconds: _c, ...rest }: any) => rest),
  }));
}

/**
 * The CLI in this process (the code a user's `trainyard` runs, minus the process): no start-up
 * cost, and with `--workers 0` the trials train on this process's TF.js. Output is captured.
 */
export async function cliInProcess(args: string[], options: { cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { runCli } = await import('../src/cli.js');
  let stdout = '';
  let stderr = '';
  const [writeOut, writeErr] = [process.stdout.write, process.stderr.write];
  const cwd = process.cwd();
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    if (options.cwd) process.chdir(options.cwd);
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    process.chdir(cwd);
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}
