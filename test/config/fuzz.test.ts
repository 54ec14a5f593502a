// Seeded fuzzing of the config pipeline: mutated experiment files must give a valid plan or a clean
// error (ConfigError / UserError) naming the file, located (line, column, key path) where the input
// has a location, within 5 seconds; never another exception. A sample also goes through the real
// CLI: exit 0 or 2, no stack trace. Reproduce a failure with TRAINYARD_FUZZ_SEED=<seed> and the case
// number printed with it (each case's input is also written to test-artifacts/fuzz/).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, printable, UserError, type LocatedProblem } from '../../src/util/errors.js';
import { experimentShape, looseRef } from '../../src/config/experiment-schema.js';
import { prepare, type Prepared } from '../../src/config/pipeline.js';
import { Random } from '../../src/util/random.js';
import { mutate, type Mutated } from './mutate.js';
import { fromRoot, ROOT, stackLines, tempDir } from './support.js';

const SEED = Number(process.env.TRAINYARD_FUZZ_SEED ?? 20251125);
const CASES = Number(process.env.TRAINYARD_FUZZ_CASES ?? 1200);
const CLI_SAMPLE = 25;
const CASE_LIMIT_MS = 5000;

const TOP_KEYS = Object.keys((experimentShape(looseRef) as { properties: object }).properties);
const data = (...parts: string[]) => fromRoot('test', 'fixtures', 'data', ...parts);

/** The experiment files, and a few more that use the keys they leave out (absolute data paths: the cases live in a temp dir). */
function bases(): { name: string; text: string }[] {
  const dir = fromRoot('experiments');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') }));
  const extra = {
    'rich.yaml': `name: rich
description: schedules, validation, transforms, clipping, early stopping, limits
dataset:
  type: mnist-bundled
  trainSize: 600
  testSize: 200
  transforms: [flatten, {type: normalize, mean: 0.1307, std: 0.3081}]
  validation: {fraction: 0.1, seed: 3}
model:
  layers:
    - {type: dense, units: 64, activation: relu}
    - {type: dropout, rate: 0.2}
    - {type: dense, units: 10}
loss: {type: crossEntropy, labelSmoothing: 0.1}
optimizers:
  - {name: SGD, type: sgd, lr: 0.1, momentum: 0.9, nesterov: true, schedule: {type: linearWarmup, warmup: 2, then: {type: cosineAnnealing, tMax: 8}}}
  - {name: AdamW, type: adamw, lr: 1.0e-3, amsgrad: true, schedule: {type: reduceOnPlateau, metric: valLoss, patience: 2}}
  - {type: rmsprop, lr: 1.0e-3, momentum: 0.5, centered: true, schedule: {type: oneCycle, maxLr: 0.01}}
metrics: [loss, accuracy]
training: {epochs: 10, batchSize: 50, evalBatchSize: 100, clipGradNorm: 1.0, earlyStopping: {metric: valAccuracy, patience: 3, restoreBest: true}}
seeds: [0, 1]
backend: cpu
limits: {memoryMB: 1024}
`,
    'csv.yaml': `name: csv-regression
dataset: {type: csv, train: ${data('csv', 'regression-train.csv')}, test: ${data('csv', 'regression-test.csv')}, targetColumns: [y1, y2]}
model:
  layers: [{type: dense, units: 8, activation: tanh}, {type: dense, units: 2}]
loss: mse
metrics: [loss]
optimizers: [{type: adam, lr: 0.01}, {type: sgd, lr: 0.01, schedule: {type: step, stepSize: 2, gamma: 0.5}}]
training: {epochs: 3, batchSize: 4}
`,
    'idx.yaml': `name: idx-small
dataset: {type: idx, dir: ${data('idx-small')}, classes: 4, transforms: [{type: scale, factor: 2}, oneHot]}
model:
  layers: [flatten, {type: dense, units: 6}, sigmoid, {type: dense, units: 4}]
loss: mse
optimizers: [{type: adagrad}, {type: adadelta}, {type: nadam}, {type: radam}, {type: adamax, schedule: {type: multiStep, milestones: [1, 2]}}]
training: {epochs: 2, batchSize: 3, clipGradValue: 0.5}
seeds: [5]
`,
  };
  return [...files, ...Object.entries(extra).map(([name, text]) => ({ name, text }))];
}

interface Case {
  index: number;
  base: string;
  mutated: Mutated;
  file: string;
}

const describeCase = (c: Case) => `seed ${SEED} case ${c.index} (${c.base}: ${c.mutated.steps.join(', ')}; input kept in ${c.file})`;

/** The plain data of the input when YAML can read it (to check that key paths name what is there). */
function plainData(content: string | Buffer): Record<string, unknown> | undefined {
  try {
    const value = parse(content.toString(), { maxAliasCount: 100, uniqueKeys: false, logLevel: 'silent' }) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Why an outcome is not acceptable, or undefined when it is. */
function judge(c: Case, outcome: Prepared | unknown, ms: number): string | undefined {
  if (ms > CASE_LIMIT_MS) return `took ${ms} ms`;
  if (outcome && typeof outcome === 'object' && 'plan' in outcome) {
    const { plan } = outcome as Prepared;
    if (plan.trials.length === 0) return 'a plan without trials';
    if (!plan.estimates || plan.estimates.totalBytes > plan.estimates.limitBytes) return 'a plan without a memory estimate within its limit';
    for (const trial of plan.trials) {
      const back = relative('/run', resolve('/run', trial.id));
      if (back.startsWith('..') || isAbsolute(back)) return `trial id ${JSON.stringify(trial.id)} leaves the run directory`;
    }
    JSON.stringify(plan); // a plan is plain JSON: this throws on a cycle
    return undefined;
  }
  if (!(outcome instanceof UserError)) return `crashed: ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}\n${outcome.stack}` : String(outcome)}`;
  if (!outcome.message.includes(c.file)) return `the message does not name the file: ${outcome.message}`;
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(outcome.message)) return `control characters in the message: ${JSON.stringify(outcome.message)}`;
  if (!(outcome instanceof ConfigError)) return undefined;
  const text = c.mutated.content.toString();
  const lines = text.split(/\r\n|\r|\n/);
  const data = plainData(c.mutated.content);
  for (const p of outcome.problems as LocatedProblem[]) {
    if (p.file !== c.file) return `a problem names ${p.file}`;
    if (!p.message) return 'a problem without a message';
    if (p.line === undefined) {
      // Only problems of the file as a whole have no position: its size or that it cannot be read.
      if (!/file not found|is a directory|may be at most|not a regular file/.test(p.message)) return `no line and column: ${p.path}: ${p.message}`;
      continue;
    }
    if (p.col === undefined || p.line < 1 || p.col < 1 || p.line > lines.length + 1) return `position ${p.line}:${p.col} is not in the file (${lines.length} lines): ${p.message}`;
    if (typeof p.path !== 'string') return 'a problem without a key path';
    // A key path starts at a key of the file, or at a top-level key the file leaves to its default.
    if (p.path && data && ![...Object.keys(data).map((k) => printable(k)), ...TOP_KEYS].some((k) => p.path === k || p.path.startsWith(`${k}.`) || p.path.startsWith(`${k}[`))) {
      return `key path ${p.path} names nothing in the file: ${p.message}`;
    }
  }
  return undefined;
}

function cli(file: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [fromRoot('dist', 'src', 'cli.js'), 'validate', file], { cwd: ROOT, env: { ...process.env, TRAINYARD_DEBUG: '' }, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      done({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe(`fuzz: ${CASES} mutated experiment files (seed ${SEED})`, () => {
  const artifacts = fromRoot('test-artifacts', 'fuzz');
  let dir: string;
  let cleanup: () => void;
  const cases: Case[] = [];
  before(() => ({ dir, cleanup } = tempDir('trainyard-fuzz-')));
  after(() => cleanup());

  it('every case gives a valid plan or a clean, located error within 5 s', async function () {
    this.timeout(600000);
    const random = new Random(SEED);
    const all = bases();
    const failures: string[] = [];
    const counts = { plans: 0, errors: 0, slowestMs: 0 };
    for (let index = 0; index < CASES; index++) {
      const base = all[index % all.length];
      const mutated = mutate(base.text, random.fork(index));
      const file = join(dir, `case-${index}.yaml`);
      writeFileSync(file, mutated.content);
      const c: Case = { index, base: base.name, mutated, file };
      cases.push(c);
      const started = Date.now();
      const outcome = await prepare(file).catch((error: unknown) => error);
      const ms = Date.now() - started;
      counts.slowestMs = Math.max(counts.slowestMs, ms);
      const why = judge(c, outcome, ms);
      if (outcome && typeof outcome === 'object' && 'plan' in outcome) counts.plans++;
      else counts.errors++;
      if (why) {
        mkdirSync(artifacts, { recursive: true });
        writeFileSync(join(artifacts, `seed-${SEED}-case-${index}.yaml`), mutated.content);
        failures.push(`${describeCase({ ...c, file: join(artifacts, `seed-${SEED}-case-${index}.yaml`) })}: ${why}`);
      }
    }
    console.log(`      seed ${SEED}: ${CASES} cases, ${counts.plans} valid plans, ${counts.errors} clean errors, slowest ${counts.slowestMs} ms`);
    assert.ok(counts.plans > CASES / 20 && counts.errors > CASES / 2, `the mutations should give both outcomes: ${JSON.stringify(counts)}`);
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} failing cases`);
  });

  it(`a sample of ${CLI_SAMPLE} cases through the CLI: exit 0 or 2, the file named, no stack trace`, async function () {
    this.timeout(120000);
    assert.ok(cases.length >= CASES, 'the first test made the cases');
    const sample = Array.from({ length: CLI_SAMPLE }, (_, k) => cases[Math.floor((k * cases.length) / CLI_SAMPLE)]);
    const failures: string[] = [];
    for (let i = 0; i < sample.length; i += 2) {
      await Promise.all(
        sample.slice(i, i + 2).map(async (c) => {
          const { status, stdout, stderr } = await cli(c.file);
          const problems = [
            status !== 0 && status !== 2 && `exit ${status}`,
            stackLines(stderr).length > 0 && 'a stack trace',
            stderr.includes('internal error') && 'an internal error',
            status === 2 && !stderr.includes(c.file) && 'stderr does not name the file',
            status === 0 && !stdout.includes(`${c.file}: valid`) && 'stdout does not say valid',
          ].filter(Boolean);
          if (problems.length > 0) failures.push(`${describeCase(c)}: ${problems.join('; ')}\n${stderr}`);
        }),
      );
    }
    assert.deepEqual(failures, []);
  });
});
