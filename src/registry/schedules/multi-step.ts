import { defineSchedule, type ParamProblem, type ScheduleInterval } from '../kinds.js';
import { chainable, intervalParam } from './common.js';

export interface MultiStepParams {
  interval: ScheduleInterval;
  milestones: number[];
  gamma: number;
}

export default defineSchedule<MultiStepParams>({
  type: 'multiStep',
  summary: 'Multiplies the lr by gamma at each milestone, as torch.optim.lr_scheduler.MultiStepLR',
  params: {
    type: 'object',
    properties: {
      interval: intervalParam('epoch'),
      milestones: {
        type: 'array',
        items: { type: 'integer', minimum: 1 },
        minItems: 1,
        description: 'Interval counts at which the lr is multiplied by gamma, increasing (a milestone listed twice applies gamma twice, as in torch)',
      },
      gamma: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'Factor the lr is multiplied by at each milestone' },
    },
    required: ['milestones'],
    additionalProperties: false,
  },
  check(p) {
    const problems: ParamProblem[] = [];
    p.milestones.forEach((m, i) => {
      if (i > 0 && m < p.milestones[i - 1]!) problems.push({ path: `milestones[${i}]`, message: `milestones must be increasing (${m} comes after ${p.milestones[i - 1]})` });
    });
    return problems;
  },
  create(p, ctx) {
    // torch MultiStepLR.get_lr: lr * gamma ** (times last_epoch is listed), else lr.
    const times = new Map<number, number>();
    for (const m of p.milestones) times.set(m, (times.get(m) ?? 0) + 1);
    return chainable('multiStep', p.interval, ctx.baseLr, (e, lr) => {
      const n = times.get(e);
      return n === undefined ? lr : lr * p.gamma ** n;
    });
  },
});
