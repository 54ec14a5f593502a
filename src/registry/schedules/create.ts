import type { Registries } from '../index.js';
import type { ScheduleContext, ScheduleRuntime } from '../kinds.js';
import type { PluginSpec } from '../kinds.js';

/** The schedule of an optimizer spec, or a constant learning rate when it has none. */
export function createSchedule(registries: Registries, spec: PluginSpec | undefined, ctx: Omit<ScheduleContext, 'create'>): ScheduleRuntime {
  if (!spec) {
    return { interval: 'epoch', lr: () => ctx.baseLr, advance() {}, getState: () => null, setState() {} };
  }
  const create: ScheduleContext['create'] = ({ type, ...params }, nested) => registries.schedules.get(type).create(params, { ...nested, create });
  return create(spec, ctx);
}
