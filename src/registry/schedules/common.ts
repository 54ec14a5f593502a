// What the lr schedules share: the `interval` param, torch's chainable scheduler loop
// (last_epoch and the param group's lr, one initial step at construction) and state checks.
import type { ScheduleInterval, ScheduleRuntime } from '../kinds.js';

export const intervalParam = (value: ScheduleInterval) => ({
  type: 'string',
  enum: ['epoch', 'step'],
  default: value,
  description: `When the schedule advances: after every epoch or after every optimizer step (torch: where scheduler.step() is called; default '${value}')`,
});

/** The state of a chainable schedule: torch's last_epoch and the lr it last set (param_group['lr']). */
export interface ChainState {
  lastEpoch: number;
  lr: number;
}

/**
 * A torch _LRScheduler stepped without an epoch argument (the chainable form): construction makes
 * one step to last_epoch 0 from the optimizer's lr, and each advance() computes the next lr from
 * the lr in effect, as torch's get_lr() does, so float results match torch's step by step.
 */
export function chainable(
  who: string,
  interval: ScheduleInterval,
  baseLr: number,
  next: (lastEpoch: number, lr: number) => number,
): ScheduleRuntime {
  let state: ChainState = { lastEpoch: 0, lr: next(0, baseLr) };
  return {
    interval,
    lr: () => state.lr,
    advance() {
      const lastEpoch = state.lastEpoch + 1;
      state = { lastEpoch, lr: next(lastEpoch, state.lr) };
    },
    getState: (): ChainState => ({ ...state }),
    setState(s: unknown) {
      state = checkChainState(who, s);
    },
  };
}

export function checkChainState(who: string, s: unknown): ChainState {
  const o = asRecord(who, s);
  return { lastEpoch: count(who, o, 'lastEpoch'), lr: finite(who, o, 'lr') };
}

export function asRecord(who: string, s: unknown): Record<string, unknown> {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new Error(`${who}: schedule state must be an object, got ${JSON.stringify(s)}`);
  return s as Record<string, unknown>;
}

export function count(who: string, o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${who}: state.${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

export function finite(who: string, o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${who}: state.${key} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/** Python's a % n (the sign of n), which torch's formulas rely on. */
export const pyMod = (a: number, n: number): number => ((a % n) + n) % n;
