import { defineSchedule, type ParamProblem, type ScheduleInterval, type ScheduleRuntime } from '../kinds.js';
import { asRecord, checkChainState, intervalParam, type ChainState } from './common.js';

export interface LinearWarmupParams {
  interval: ScheduleInterval;
  startFactor: number;
  warmup: number;
  then?: { type: string; [param: string]: unknown };
}

/** Schedules that cannot follow a warmup: torch's SequentialLR restarts the next one with step(0), which these do not take. */
const NOT_AFTER_WARMUP = ['linearWarmup', 'oneCycle', 'reduceOnPlateau'];

export default defineSchedule<LinearWarmupParams>({
  type: 'linearWarmup',
  summary:
    'Linear warmup from startFactor × lr to lr over `warmup` intervals, then another schedule (or a constant lr), ' +
    'as torch SequentialLR([LinearLR(startFactor, 1, warmup), then], milestones=[warmup])',
  params: {
    type: 'object',
    properties: {
      interval: intervalParam('epoch'),
      startFactor: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 1 / 3,
        description: 'Fraction of the lr the warmup starts at (torch LinearLR start_factor, default 1/3)',
      },
      warmup: { type: 'integer', minimum: 1, description: 'Intervals of warmup: from then on the next schedule runs, starting at the lr' },
      then: {
        type: 'object',
        properties: { type: { type: 'string', description: 'The schedule type, e.g. cosineAnnealing' } },
        required: ['type'],
        description:
          'The schedule after the warmup, as {type, ...params}; it starts at the optimizer\'s lr when the warmup ends, ' +
          'counts its intervals (tMax, stepSize, milestones) from there, and advances at this schedule\'s interval ' +
          '(its own interval is ignored). Without it the lr stays at the optimizer\'s lr',
      },
    },
    required: ['warmup'],
    additionalProperties: false,
  },
  check(p) {
    const problems: ParamProblem[] = [];
    if (p.then && NOT_AFTER_WARMUP.includes(p.then.type)) {
      problems.push({ path: 'then.type', message: `'${p.then.type}' cannot follow a warmup (allowed: any schedule but ${NOT_AFTER_WARMUP.join(', ')})` });
    }
    return problems;
  },
  create(p, ctx) {
    const { startFactor, warmup } = p;
    if (p.then && NOT_AFTER_WARMUP.includes(p.then.type)) throw new Error(`linearWarmup: '${p.then.type}' cannot follow a warmup`);
    const nested = { baseLr: ctx.baseLr, epochs: ctx.epochs, stepsPerEpoch: ctx.stepsPerEpoch };
    // torch SequentialLR builds both schedulers up front; the second is restarted with step(0) at the milestone,
    // which gives its closed form at last_epoch 0 (the base lr), the value a fresh schedule starts from.
    const then: ScheduleRuntime | null = p.then ? ctx.create({ ...p.then, interval: p.interval }, nested) : null;

    // torch LinearLR.get_lr with end_factor 1 and total_iters = warmup, in the recursive form.
    const warm = (e: number, lr: number): number => {
      if (e === 0) return lr * startFactor;
      if (e > warmup) return lr;
      return lr * (1 + (1 - startFactor) / (warmup * startFactor + (e - 1) * (1 - startFactor)));
    };
    /** lastEpoch is SequentialLR's; lr is the warmup's own lr while lastEpoch < warmup. */
    let state: ChainState = { lastEpoch: 0, lr: warm(0, ctx.baseLr) };

    return {
      interval: p.interval,
      lr() {
        if (state.lastEpoch < warmup) return state.lr;
        return then ? then.lr() : ctx.baseLr;
      },
      advance(metrics) {
        const lastEpoch = state.lastEpoch + 1;
        if (lastEpoch < warmup) state = { lastEpoch, lr: warm(lastEpoch, state.lr) };
        else {
          // At the milestone the next schedule starts where a fresh one starts; after it, it advances.
          if (lastEpoch > warmup) then?.advance(metrics);
          state = { lastEpoch, lr: state.lr };
        }
      },
      getState() {
        return { ...state, then: then ? then.getState() : null };
      },
      setState(s: unknown) {
        const o = asRecord('linearWarmup', s);
        const restored = checkChainState('linearWarmup', o);
        if (then) {
          if (o.then === undefined || o.then === null) throw new Error('linearWarmup: state has no state for its `then` schedule');
          then.setState(o.then);
        }
        state = restored;
      },
    };
  },
});
