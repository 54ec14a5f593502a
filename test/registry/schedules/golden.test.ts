// The lr schedules against the learning rates torch.optim.lr_scheduler gives
// (scripts/golden-optimizers.py writes test/fixtures/golden/schedules.json).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { ScheduleContext, SchedulePlugin, ScheduleRuntime } from '../../../src/registry/kinds.js';
import cosineAnnealing from '../../../src/registry/schedules/cosine-annealing.js';
import exponential from '../../../src/registry/schedules/exponential.js';
import linearWarmup from '../../../src/registry/schedules/linear-warmup.js';
import multiStep from '../../../src/registry/schedules/multi-step.js';
import oneCycle from '../../../src/registry/schedules/one-cycle.js';
import reduceOnPlateau from '../../../src/registry/schedules/reduce-on-plateau.js';
import step from '../../../src/registry/schedules/step.js';

type Spec = { type: string; [param: string]: unknown };
type Context = Omit<ScheduleContext, 'create'>;

interface ScheduleCase {
  name: string;
  schedule: Spec;
  context: Context;
  torch: string;
  advances: number;
  metrics: Record<string, number>[] | null;
  lrs: number[];
}

const FIXTURE = path.resolve(process.cwd(), 'test/fixtures/golden/schedules.json');
const golden = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { torchVersion: string; cases: ScheduleCase[] };
const plugins: Record<string, SchedulePlugin> = { step, multiStep, exponential, cosineAnnealing, linearWarmup, oneCycle, reduceOnPlateau };
const REL = 1e-6;

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });

/** Params of a spec with the plugin's defaults filled in (what normalize does on the config side). */
function withDefaults(spec: Spec): Record<string, unknown> {
  const { type, ...params } = spec;
  const plugin = plugins[type];
  assert.ok(plugin, `schedule '${type}' is known`);
  const filled: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(plugin.params.properties)) if (s.default !== undefined) filled[k] = s.default;
  return { ...filled, ...params };
}

/** Makes a schedule as the runner does: schema-valid params, check() clean, nested specs through ctx.create. */
function make(spec: Spec, context: Context): ScheduleRuntime {
  const plugin = plugins[spec.type]!;
  const params = withDefaults(spec);
  const validate = ajv.compile(plugin.params);
  assert.ok(validate(params), `${spec.type} params ${JSON.stringify(params)}: ${ajv.errorsText(validate.errors)}`);
  assert.deepEqual(plugin.check?.(params) ?? [], [], `${spec.type} params pass check()`);
  return plugin.create(params, { ...context, create: (s, c) => make(s, c) });
}

const close = (a: number, b: number) => Math.abs(a - b) <= REL * Math.abs(b) + 1e-300;

/** Advances [from, to) of a case; returns the lr after each (lrs[k] is after k advances). */
function run(c: ScheduleCase, s: ScheduleRuntime, from: number, to: number): number[] {
  const out: number[] = [];
  for (let k = from; k < to; k++) {
    s.advance(c.metrics ? c.metrics[k] : undefined);
    out.push(s.lr());
  }
  return out;
}

const report: { case: string; torch: string; advances: number; 'max rel err': string }[] = [];

describe('lr schedules against PyTorch (torch.optim.lr_scheduler)', function () {
  after(function () {
    if (process.env.TRAINYARD_GOLDEN_REPORT) {
      console.log(`torch ${golden.torchVersion}`);
      console.table(report);
    }
  });

  it('has a case for every schedule, each at least 25 scheduler steps long', function () {
    for (const type of Object.keys(plugins)) assert.ok(golden.cases.some((c) => c.schedule.type === type), `a case for ${type}`);
    for (const c of golden.cases) {
      assert.ok(c.advances >= 25, `${c.name}: at least 25 steps`);
      assert.equal(c.lrs.length, c.advances + 1);
    }
  });

  it('documents every param, and gives every schedule an interval param (epoch, or step for oneCycle)', function () {
    for (const [type, plugin] of Object.entries(plugins)) {
      for (const [k, s] of Object.entries(plugin.params.properties)) {
        assert.ok(typeof s.description === 'string' && s.description.length > 0, `${type}.${k} has a description`);
      }
      const interval = plugin.params.properties.interval!;
      assert.equal(interval.default, type === 'oneCycle' ? 'step' : 'epoch', `${type}.interval default`);
      assert.deepEqual(interval.enum, type === 'reduceOnPlateau' ? ['epoch'] : ['epoch', 'step']);
      assert.ok(ajv.compile(plugin.params), `${type} params compile`);
    }
  });

  for (const c of golden.cases) {
    describe(`${c.name}: ${c.torch} ${JSON.stringify(c.schedule)}`, function () {
      it('gives the lr torch gives, after construction and after every step (relative 1e-6)', function () {
        const s = make(c.schedule, c.context);
        assert.equal(s.interval, withDefaults(c.schedule).interval);
        const lrs = [s.lr(), ...run(c, s, 0, c.advances)];
        let worst = 0;
        lrs.forEach((lr, k) => {
          const b = c.lrs[k]!;
          assert.ok(close(lr, b), `${c.name}: lr after ${k} steps is ${lr}, torch has ${b}`);
          if (b !== 0) worst = Math.max(worst, Math.abs(lr - b) / Math.abs(b));
        });
        report.push({ case: c.name, torch: c.torch, advances: c.advances, 'max rel err': worst.toExponential(2) });
      });

      it('state export/import: half the steps, getState, JSON, fresh schedule, setState, the rest == straight', function () {
        const straight = make(c.schedule, c.context);
        const all = run(c, straight, 0, c.advances);
        const half = Math.floor(c.advances / 2);
        const first = make(c.schedule, c.context);
        run(c, first, 0, half);
        const saved = JSON.parse(JSON.stringify(first.getState()));
        const second = make(c.schedule, c.context);
        second.setState(saved);
        assert.equal(second.lr(), all[half - 1], 'lr right after setState');
        const rest = run(c, second, half, c.advances);
        assert.deepEqual(rest, all.slice(half), 'the resumed schedule continues exactly');
        assert.deepEqual(JSON.parse(JSON.stringify(second.getState())), JSON.parse(JSON.stringify(straight.getState())));
      });
    });
  }

  describe('errors', function () {
    const ctx: Context = { baseLr: 0.1, epochs: 3, stepsPerEpoch: 10 };

    it('reduceOnPlateau says which figure it misses', function () {
      const s = make({ type: 'reduceOnPlateau', metric: 'valLoss' }, ctx);
      assert.throws(() => s.advance({ testLoss: 1, testAccuracy: 0.5 }), /no figure 'valLoss'.*testLoss, testAccuracy/);
      assert.throws(() => s.advance(), /no figure 'valLoss'/);
    });

    it('oneCycle refuses a cycle shorter than the run, an empty phase, and a step past its end', function () {
      assert.throws(() => make({ type: 'oneCycle', totalSteps: 29 }, ctx), /totalSteps 29 is shorter than the run \(30 steps\)/);
      assert.throws(() => make({ type: 'oneCycle', interval: 'epoch', totalSteps: 10, pctStart: 0.1 }, ctx), /phase 1 of the cycle is empty/);
      const s = make({ type: 'oneCycle', interval: 'epoch' }, ctx);
      s.advance();
      s.advance();
      s.advance();
      assert.throws(() => s.advance(), /tried to step 5 times; the cycle has totalSteps 3/);
    });

    it('oneCycle peaks at the optimizer lr when maxLr is not given', function () {
      const s = make({ type: 'oneCycle', interval: 'epoch', pctStart: 0.4 }, { ...ctx, epochs: 5 });
      const lrs = [s.lr(), ...Array.from({ length: 5 }, () => (s.advance(), s.lr()))];
      assert.equal(Math.max(...lrs), 0.1);
      assert.ok(close(lrs[0]!, 0.1 / 25));
    });

    it('check() finds what the schema cannot: decreasing milestones, a schedule that cannot follow a warmup', function () {
      assert.deepEqual(multiStep.check!({ interval: 'epoch', milestones: [5, 3], gamma: 0.1 }), [
        { path: 'milestones[1]', message: 'milestones must be increasing (3 comes after 5)' },
      ]);
      const problems = linearWarmup.check!({ interval: 'epoch', startFactor: 0.5, warmup: 2, then: { type: 'reduceOnPlateau' } });
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.path, 'then.type');
    });

    it('linearWarmup advances its `then` schedule at its own interval', function () {
      const s = make({ type: 'linearWarmup', interval: 'step', warmup: 2, then: { type: 'step', stepSize: 1, gamma: 0.5 } }, ctx);
      assert.equal(s.interval, 'step');
      const lrs = [s.lr(), ...Array.from({ length: 4 }, () => (s.advance(), s.lr()))];
      assert.deepEqual(lrs.slice(2), [0.1, 0.05, 0.025]);
    });

    it('setState rejects a malformed state', function () {
      const s = make({ type: 'step', stepSize: 2 }, ctx);
      assert.throws(() => s.setState({ lastEpoch: -1, lr: 0.1 }), /lastEpoch must be a non-negative integer/);
      assert.throws(() => s.setState(null), /must be an object/);
      const p = make({ type: 'reduceOnPlateau' }, ctx);
      assert.throws(() => p.setState({ lastEpoch: 1, lr: 0.1, best: 'x', numBadEpochs: 0, cooldownCounter: 0 }), /best must be a finite number/);
    });
  });
});
