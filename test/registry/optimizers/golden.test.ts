// Every built-in optimizer against golden trajectories made by real PyTorch
// (scripts/golden-optimizers.py writes test/fixtures/golden/optimizers.json).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Ajv } from 'ajv';
import adadelta from '../../../src/registry/optimizers/adadelta.js';
import adagrad from '../../../src/registry/optimizers/adagrad.js';
import adam from '../../../src/registry/optimizers/adam.js';
import adamax from '../../../src/registry/optimizers/adamax.js';
import adamw from '../../../src/registry/optimizers/adamw.js';
import nadam from '../../../src/registry/optimizers/nadam.js';
import radam from '../../../src/registry/optimizers/radam.js';
import rmsprop from '../../../src/registry/optimizers/rmsprop.js';
import sgd from '../../../src/registry/optimizers/sgd.js';
import type { OptimizerPlugin, OptimizerRuntime } from '../../../src/registry/kinds.js';
import { createRegistries } from '../../../src/registry/index.js';
import { loadBackendOrSkip } from '../../backends.js';

interface Flat {
  shape: number[];
  data: number[];
}

interface GoldenStep {
  lr: number;
  loss: number;
  grads: number[][];
  params: number[][];
}

interface GoldenCase {
  name: string;
  optimizer: string;
  params: Record<string, unknown>;
  steps: GoldenStep[];
}

interface Golden {
  torchVersion: string;
  problem: {
    forward: string;
    loss: string;
    x: Flat;
    t: Flat;
    params: { name: string; shape: number[] }[];
    initialParams: number[][];
  };
  cases: GoldenCase[];
}

const FIXTURE = path.resolve(process.cwd(), 'test/fixtures/golden/optimizers.json');
const golden = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Golden;
const plugins: Record<string, OptimizerPlugin> = { sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, radam };
const shapes = golden.problem.params.map((p) => p.shape);

/** Tolerances: the update rule alone (gradients from torch) and end to end (gradients from TF.js). */
const RULE = { abs: 1e-6, rel: 1e-5 };
const E2E = { abs: 1e-5, rel: 1e-4 };

/** Largest error seen per case and test kind, printed after the suite. */
const report = new Map<string, Record<string, number>>();
const note = (name: string, key: string, value: number) => {
  const row = report.get(name) ?? {};
  row[key] = Math.max(row[key] ?? 0, value);
  report.set(name, row);
};

/** Max |a-b| and max |a-b| / (abs + rel*|b|) (≤ 1 means within tolerance). */
function compare(actual: ArrayLike<number>, expected: number[], tol: { abs: number; rel: number }) {
  assert.equal(actual.length, expected.length);
  let maxAbs = 0;
  let maxRatio = 0;
  let worst = -1;
  for (let i = 0; i < expected.length; i++) {
    const b = expected[i]!;
    const d = Math.abs(actual[i]! - b);
    if (!(d <= tol.abs + tol.rel * Math.abs(b)) && worst < 0) worst = i;
    maxAbs = Math.max(maxAbs, Number.isNaN(d) ? Infinity : d);
    maxRatio = Math.max(maxRatio, d / (tol.abs + tol.rel * Math.abs(b)));
  }
  return { maxAbs, maxRatio, worst };
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: { abs: number; rel: number }, what: string) {
  const r = compare(actual, expected, tol);
  if (r.worst >= 0) {
    assert.fail(`${what}: element ${r.worst} is ${actual[r.worst]}, torch has ${expected[r.worst]} (max |diff| ${r.maxAbs.toExponential(3)})`);
  }
  return r;
}

function makeVariables(values: number[][]): tf.Variable[] {
  return values.map((v, i) => tf.variable(tf.tensor(v, shapes[i], 'float32'), true));
}

function create(c: GoldenCase): OptimizerRuntime {
  const plugin = plugins[c.optimizer]!;
  assert.deepEqual(plugin.check?.(c.params) ?? [], [], 'fixture params pass check()');
  return plugin.create(c.params, { tf });
}

/** Steps [from, to) of the case with torch's recorded gradients; compares params after each step. */
function replay(c: GoldenCase, opt: OptimizerRuntime, vars: tf.Variable[], from: number, to: number, check: boolean) {
  for (let s = from; s < to; s++) {
    const step = c.steps[s]!;
    const grads = step.grads.map((g, i) => tf.tensor(g, shapes[i], 'float32'));
    opt.step(vars, grads, step.lr);
    tf.dispose(grads);
    if (check) {
      vars.forEach((v, i) => {
        const r = expectClose(v.dataSync(), step.params[i]!, RULE, `${c.name} step ${s + 1} param ${golden.problem.params[i]!.name}`);
        note(c.name, 'rule maxAbs', r.maxAbs);
        note(c.name, 'rule maxTol', r.maxRatio);
      });
    }
  }
}

/** The fixture's problem in TF.js: h = tanh(x W1 + b1); y = h W2 + b2; loss = mean((y - t)^2). */
function lossOf(x: tf.Tensor, t: tf.Tensor, [w1, b1, w2, b2]: tf.Variable[]): tf.Scalar {
  const h = tf.tanh(tf.add(tf.matMul(x, w1!), b1!));
  const y = tf.add(tf.matMul(h, w2!), b2!);
  return tf.mean(tf.square(tf.sub(y, t)));
}

/** Loads a backend as a run does (through its plugin, which registers its kernels: wasm's fused updates). */
async function useBackend(name: string): Promise<boolean> {
  const { backends } = createRegistries();
  try {
    await backends.get(name).load({ backends });
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

describe('optimizers against PyTorch golden trajectories', function () {
  this.timeout(60_000);

  before(async function () {
    assert.ok(await useBackend('cpu'), 'the TF.js cpu backend is available');
    assert.equal(golden.problem.forward, 'tanh-dense-dense');
    assert.equal(golden.problem.loss, 'mse-mean');
  });

  after(function () {
    const rows = [...report].map(([name, r]) => ({
      case: name,
      'rule max|diff|': fmt(r['rule maxAbs']),
      'rule /tol': fmt(r['rule maxTol']),
      'e2e grad max|diff|': fmt(r['e2e grad maxAbs']),
      'e2e param max|diff|': fmt(r['e2e maxAbs']),
      'e2e /tol': fmt(r['e2e maxTol']),
      'wasm rule max|diff|': fmt(r['wasm rule maxAbs']),
    }));
    if (process.env.TRAINYARD_GOLDEN_REPORT) {
      console.log(`torch ${golden.torchVersion}`);
      console.table(rows);
    }
  });

  it('has the fixture cases the task asks for', function () {
    const names = golden.cases.map((c) => c.name);
    for (const n of ['sgd-defaults', 'sgd-momentum', 'sgd-momentum-dampening', 'sgd-nesterov-weight-decay', 'sgd-maximize',
      'adam-defaults', 'adam-weight-decay-amsgrad', 'adam-betas-eps', 'adam-maximize']) {
      assert.ok(names.includes(n), `fixture has case ${n}`);
    }
    for (const c of golden.cases) assert.ok(c.steps.length >= 20, `${c.name} has at least 20 steps`);
  });

  it('covers every optimizer with its defaults and at least one other setting, with params that pass its schema', function () {
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
    for (const [type, plugin] of Object.entries(plugins)) {
      const cases = golden.cases.filter((c) => c.optimizer === type);
      assert.ok(cases.length >= 2, `${type} has at least two fixture cases`);
      const defaults = Object.fromEntries(Object.entries(plugin.params.properties).map(([k, s]) => [k, s.default]));
      assert.ok(cases.some((c) => c.name === `${type}-defaults`), `${type} has a defaults case`);
      for (const c of cases) {
        // Every param the fixture names is one of the plugin's (and vice versa): the fixture tests the plugin's names.
        assert.deepEqual(Object.keys(c.params).sort(), Object.keys(defaults).sort(), `${c.name} names the plugin's params`);
        const validate = ajv.compile(plugin.params);
        assert.ok(validate(c.params), `${c.name} params pass the ${type} schema: ${ajv.errorsText(validate.errors)}`);
        if (c.name === `${type}-defaults`) {
          // torch 1.13's SGD has no default lr (the fixture uses 0.1); every other default is torch's.
          const strip = (o: Record<string, unknown>) => (type === 'sgd' ? { ...o, lr: undefined } : o);
          assert.deepEqual(strip(c.params), strip(defaults), `${c.name}: the plugin's defaults are torch's`);
        }
      }
      for (const [k, s] of Object.entries(plugin.params.properties)) {
        assert.ok(typeof s.description === 'string' && s.description.length > 0, `${type}.${k} has a description`);
      }
    }
  });

  for (const c of golden.cases) {
    describe(`${c.optimizer} ${c.name} ${JSON.stringify(c.params)}`, function () {
      it('update rule: torch gradients in, torch params out at every step', function () {
        const vars = makeVariables(golden.problem.initialParams);
        const opt = create(c);
        replay(c, opt, vars, 0, c.steps.length, true);
        opt.dispose();
        tf.dispose(vars);
      });

      it('end to end: gradients from TF.js (variableGrads) on the same problem', function () {
        const x = tf.tensor(golden.problem.x.data, golden.problem.x.shape, 'float32');
        const t = tf.tensor(golden.problem.t.data, golden.problem.t.shape, 'float32');
        const vars = makeVariables(golden.problem.initialParams);
        const opt = create(c);
        c.steps.forEach((step, s) => {
          const { value, grads } = tf.variableGrads(() => lossOf(x, t, vars), vars);
          const gs = vars.map((v) => grads[v.name]!);
          assert.ok(Math.abs(value.dataSync()[0]! - step.loss) <= E2E.abs + E2E.rel * Math.abs(step.loss), `${c.name} step ${s + 1} loss`);
          gs.forEach((g, i) => {
            const r = expectClose(g.dataSync(), step.grads[i]!, E2E, `${c.name} step ${s + 1} grad ${golden.problem.params[i]!.name}`);
            note(c.name, 'e2e grad maxAbs', r.maxAbs);
          });
          opt.step(vars, gs, step.lr);
          tf.dispose([value, ...gs]);
          vars.forEach((v, i) => {
            const r = expectClose(v.dataSync(), step.params[i]!, E2E, `${c.name} step ${s + 1} param ${golden.problem.params[i]!.name}`);
            note(c.name, 'e2e maxAbs', r.maxAbs);
            note(c.name, 'e2e maxTol', r.maxRatio);
          });
        });
        opt.dispose();
        tf.dispose([x, t, ...vars]);
      });

      it('state export/import: 10 steps, getState, fresh runtime, setState, 10 more == 20 straight', async function () {
        const half = 10;
        const full = 2 * half;
        const straightVars = makeVariables(golden.problem.initialParams);
        const straight = create(c);
        replay(c, straight, straightVars, 0, full, false);

        const vars = makeVariables(golden.problem.initialParams);
        const first = create(c);
        replay(c, first, vars, 0, half, false);
        const state = await first.getState();
        assert.equal(state.step, half);
        const snapshot = JSON.parse(JSON.stringify(state, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v)));
        first.dispose();

        // A state exported as plain arrays (as JSON would carry it) restores the same.
        const restoredState = {
          step: snapshot.step,
          buffers: Object.fromEntries(
            Object.entries(snapshot.buffers as Record<string, (number[] | null)[]>).map(([k, arrs]) => [k, arrs.map((a) => (a ? Float32Array.from(a) : null))]),
          ),
        };
        const second = create(c);
        second.setState(restoredState, vars);
        // getState returns copies: changing them does not change the runtime.
        for (const arrs of Object.values((await second.getState()).buffers)) for (const a of arrs) a?.fill(1234);
        replay(c, second, vars, half, full, false);
        assert.equal((await second.getState()).step, full);

        vars.forEach((v, i) => assert.deepEqual(Array.from(v.dataSync()), Array.from(straightVars[i]!.dataSync()), `param ${i} after resume`));
        const a = await second.getState();
        const b = await straight.getState();
        assert.deepEqual(Object.keys(a.buffers).sort(), Object.keys(b.buffers).sort());
        for (const k of Object.keys(b.buffers)) {
          assert.deepEqual(a.buffers[k]!.map((x) => x && Array.from(x)), b.buffers[k]!.map((x) => x && Array.from(x)), `buffer ${k}`);
        }
        // And both still match torch at step 20.
        vars.forEach((v, i) => expectClose(v.dataSync(), c.steps[full - 1]!.params[i]!, RULE, `${c.name} resumed param ${i}`));
        second.dispose();
        straight.dispose();
        tf.dispose([...vars, ...straightVars]);
      });

      it('does not leak tensors: numTensors constant across steps, back to the start after dispose', async function () {
        const vars = makeVariables(golden.problem.initialParams);
        const grads = c.steps[0]!.grads.map((g, i) => tf.tensor(g, shapes[i], 'float32'));
        const before = tf.memory().numTensors;
        const opt = create(c);
        opt.step(vars, grads, c.steps[0]!.lr);
        const afterFirst = tf.memory().numTensors;
        for (let s = 1; s < c.steps.length; s++) {
          opt.step(vars, grads, c.steps[s]!.lr);
          assert.equal(tf.memory().numTensors, afterFirst, `numTensors after step ${s + 1}`);
        }
        await opt.getState();
        assert.equal(tf.memory().numTensors, afterFirst, 'getState creates no tensors');
        opt.setState(await opt.getState(), vars);
        assert.equal(tf.memory().numTensors, afterFirst, 'setState replaces the buffers');
        opt.dispose();
        assert.equal(tf.memory().numTensors, before, 'dispose frees every tensor the runtime made');
        tf.dispose([...vars, ...grads]);
      });
    });
  }

  describe('on the wasm backend (update rule, torch gradients)', function () {
    before(async function () {
      if (!(await useBackend('wasm'))) this.skip();
    });
    after(async function () {
      await useBackend('cpu');
    });

    for (const c of golden.cases) {
      it(`${c.name}`, function () {
        assert.equal(tf.getBackend(), 'wasm');
        const vars = makeVariables(golden.problem.initialParams);
        const opt = create(c);
        let afterFirst = -1;
        for (let s = 0; s < c.steps.length; s++) {
          const step = c.steps[s]!;
          const grads = step.grads.map((g, i) => tf.tensor(g, shapes[i], 'float32'));
          opt.step(vars, grads, step.lr);
          tf.dispose(grads);
          vars.forEach((v, i) => {
            const r = expectClose(v.dataSync(), step.params[i]!, RULE, `wasm ${c.name} step ${s + 1} param ${i}`);
            note(c.name, 'wasm rule maxAbs', r.maxAbs);
          });
          if (s === 0) afterFirst = tf.memory().numTensors;
          else assert.equal(tf.memory().numTensors, afterFirst, `numTensors after step ${s + 1}`);
        }
        opt.dispose();
        tf.dispose(vars);
      });
    }
  });
});

/**
 * On webgpu (CI: lavapipe), the update rules and the end-to-end steps read asynchronously (its
 * dataSync needs an OffscreenCanvas, which Node lacks), held to the same tolerances as cpu and wasm:
 * RULE for the update rules with torch's gradients, E2E with TF.js's own.
 */
describe('optimizers against PyTorch golden trajectories on webgpu', function () {
  this.timeout(120000);
  before(async function () {
    await loadBackendOrSkip(this, createRegistries(), 'webgpu');
  });
  after(async () => {
    await useBackend('cpu');
  });

  for (const c of golden.cases) {
    it(`${c.name}: update rule and end to end`, async () => {
      assert.equal(tf.getBackend(), 'webgpu');
      const vars = makeVariables(golden.problem.initialParams);
      const opt = create(c);
      for (const [s, step] of c.steps.entries()) {
        const grads = step.grads.map((g, i) => tf.tensor(g, shapes[i], 'float32'));
        opt.step(vars, grads, step.lr);
        tf.dispose(grads);
        for (const [i, v] of vars.entries()) note(c.name, 'webgpu rule maxAbs', expectClose(await v.data(), step.params[i]!, RULE, `webgpu ${c.name} step ${s + 1} param ${i}`).maxAbs);
      }
      opt.dispose();
      tf.dispose(vars);

      const x = tf.tensor(golden.problem.x.data, golden.problem.x.shape, 'float32');
      const t = tf.tensor(golden.problem.t.data, golden.problem.t.shape, 'float32');
      const e2e = makeVariables(golden.problem.initialParams);
      const opt2 = create(c);
      for (const [s, step] of c.steps.entries()) {
        const { value, grads } = tf.variableGrads(() => lossOf(x, t, e2e), e2e);
        const loss = (await value.data())[0]!;
        assert.ok(Math.abs(loss - step.loss) <= E2E.abs + E2E.rel * Math.abs(step.loss), `webgpu ${c.name} step ${s + 1} loss ${loss} vs ${step.loss}`);
        const gs = e2e.map((v) => grads[v.name]!);
        opt2.step(e2e, gs, step.lr);
        tf.dispose([value, ...gs]);
        for (const [i, v] of e2e.entries()) note(c.name, 'webgpu e2e maxAbs', expectClose(await v.data(), step.params[i]!, E2E, `webgpu ${c.name} step ${s + 1} e2e param ${i}`).maxAbs);
      }
      opt2.dispose();
      tf.dispose([x, t, ...e2e]);
    });
  }
});

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : v.toExponential(2);
}
