import { defineSchedule, type ScheduleInterval } from '../kinds.js';
import { chainable, intervalParam } from './common.js';

export interface StepParams {
  interval: ScheduleInterval;
  stepSize: number;
  gamma: number;
}

export default defineSchedule<StepParams>({
  type: 'step',
  summary: 'Multiplies the lr by gamma every stepSize intervals, as torch.optim.lr_scheduler.StepLR',
  params: {
    type: 'object',
    properties: {
      interval: intervalParam('epoch'),
      stepSize: { type: 'integer', minimum: 1, description: 'Intervals between two decays (torch step_size)' },
      gamma: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'Factor the lr is multiplied by at each decay' },
    },
    required: ['stepSize'],
    additionalProperties: false,
  },
  create(p, ctx) {
    // torch StepLR.get_lr: lr * gamma when last_epoch is a non-zero multiple of step_size, else lr.
    return chainable('step', p.interval, ctx.baseLr, (e, lr) => (e === 0 || e % p.stepSize !== 0 ? lr : lr * p.gamma));
  },
});
