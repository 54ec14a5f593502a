import { defineSchedule, type ScheduleInterval } from '../kinds.js';
import { checkChainState, intervalParam, type ChainState } from './common.js';

export interface OneCycleParams {
  interval: ScheduleInterval;
  maxLr?: number;
  totalSteps?: number;
  pctStart: number;
  annealStrategy: 'cos' | 'linear';
  divFactor: number;
  finalDivFactor: number;
  threePhase: boolean;
}

export default defineSchedule<OneCycleParams>({
  type: 'oneCycle',
  summary:
    'The 1cycle policy: lr up from maxLr/divFactor to maxLr, then down to maxLr/(divFactor*finalDivFactor), ' +
    'as torch.optim.lr_scheduler.OneCycleLR with cycle_momentum=False (the lr only: no momentum cycling)',
  params: {
    type: 'object',
    properties: {
      interval: intervalParam('step'),
      maxLr: { type: 'number', exclusiveMinimum: 0, description: "Peak lr (torch max_lr; default: the optimizer's lr). The optimizer's lr is otherwise unused, as in torch" },
      totalSteps: {
        type: 'integer',
        minimum: 1,
        description: 'Length of the cycle in intervals (default: epochs × steps per epoch, or epochs with interval epoch)',
      },
      pctStart: { type: 'number', minimum: 0, maximum: 1, default: 0.3, description: 'Fraction of the cycle spent increasing the lr' },
      annealStrategy: { type: 'string', enum: ['cos', 'linear'], default: 'cos', description: 'Cosine or linear annealing between the phase ends' },
      divFactor: { type: 'number', exclusiveMinimum: 0, default: 25, description: 'The cycle starts at maxLr / divFactor' },
      finalDivFactor: { type: 'number', exclusiveMinimum: 0, default: 1e4, description: 'The cycle ends at maxLr / (divFactor × finalDivFactor)' },
      threePhase: {
        type: 'boolean',
        default: false,
        description: 'Up, back down to the starting lr symmetrically, then down to the final lr (fastai style); otherwise up then down',
      },
    },
    additionalProperties: false,
  },
  fixedByRun: (p) =>
    p.totalSteps === undefined
      ? "its totalSteps defaults to the run's length (epochs × steps per epoch), so the cycle already ended with the run's last epoch; give totalSteps for the longer run and start it anew"
      : undefined,
  create(p, ctx) {
    const runLength = p.interval === 'step' ? ctx.epochs * ctx.stepsPerEpoch : ctx.epochs;
    const total = p.totalSteps ?? runLength;
    if (total < runLength) {
      throw new Error(`oneCycle: totalSteps ${total} is shorter than the run (${runLength} ${p.interval}s); torch stops with an error past the end of the cycle`);
    }
    const maxLr = p.maxLr ?? ctx.baseLr;
    const initialLr = maxLr / p.divFactor;
    const minLr = initialLr / p.finalDivFactor;
    const pct = p.pctStart;
    const phases: { end: number; from: number; to: number }[] = p.threePhase
      ? [
          { end: pct * total - 1, from: initialLr, to: maxLr },
          { end: 2 * pct * total - 2, from: maxLr, to: initialLr },
          { end: total - 1, from: initialLr, to: minLr },
        ]
      : [
          { end: pct * total - 1, from: initialLr, to: maxLr },
          { end: total - 1, from: maxLr, to: minLr },
        ];
    let start = 0;
    for (const [i, ph] of phases.entries()) {
      if (ph.end === start) throw new Error(`oneCycle: phase ${i + 1} of the cycle is empty (pctStart ${pct} of ${total} steps); torch divides by zero`);
      start = ph.end;
    }
    const anneal =
      p.annealStrategy === 'cos'
        ? (from: number, to: number, x: number) => to + ((from - to) / 2.0) * (Math.cos(Math.PI * x) + 1)
        : (from: number, to: number, x: number) => (to - from) * x + from;
    // torch OneCycleLR.get_lr: the lr at step_num = last_epoch, from the phase it falls in.
    const at = (step: number): number => {
      if (step > total) throw new Error(`oneCycle: tried to step ${step + 1} times; the cycle has totalSteps ${total}`);
      let begin = 0;
      for (const [i, ph] of phases.entries()) {
        if (step <= ph.end || i === phases.length - 1) return anneal(ph.from, ph.to, (step - begin) / (ph.end - begin));
        begin = ph.end;
      }
      throw new Error('unreachable');
    };
    let state: ChainState = { lastEpoch: 0, lr: at(0) };
    return {
      interval: p.interval,
      lr: () => state.lr,
      advance() {
        const lastEpoch = state.lastEpoch + 1;
        state = { lastEpoch, lr: at(lastEpoch) };
      },
      getState: () => ({ ...state }),
      setState(s: unknown) {
        const restored = checkChainState('oneCycle', s);
        if (restored.lastEpoch > total) throw new Error(`oneCycle: state.lastEpoch ${restored.lastEpoch} is past the cycle's ${total} steps`);
        state = restored;
      },
    };
  },
});
