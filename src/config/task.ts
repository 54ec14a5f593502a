// What an experiment trains for, from what the YAML says (pure: no data is read). A class-label
// loss means classification; a value loss takes the task its data declares: a transform that keeps
// the clean inputs as targets (addNoise) means reconstruction, a dataset's value columns regression,
// one-hot labels classification. `task:` may say it; it decides the default metrics, and a metric
// made for another task is an error at its line.
import type { Registries } from '../registry/index.js';
import type { Task } from '../registry/kinds.js';
import type { ExperimentInput, PluginRef } from './types.js';
import type { Problem } from '../util/errors.js';

export const TASKS: Task[] = ['classification', 'reconstruction', 'regression'];

/** The metrics an experiment that names none is measured with. */
export const DEFAULT_METRICS: Record<Task, string[]> = {
  classification: ['loss', 'accuracy'],
  reconstruction: ['loss', 'mse', 'psnr', 'ssim'],
  regression: ['loss', 'mse'],
};

const typeOf = (ref: PluginRef): string => (typeof ref === 'string' ? ref : ref.type);
const paramsOf = (ref: PluginRef): Record<string, unknown> => (typeof ref === 'string' ? {} : (({ type: _t, ...rest }) => rest)(ref));

/** The task the config's loss and data imply, without `task:`. */
export function impliedTask(input: ExperimentInput, registries: Registries): Task {
  if (registries.losses.get(typeOf(input.loss)).target === 'class') return 'classification';
  const transforms = typeof input.dataset === 'string' ? [] : ((input.dataset as { transforms?: PluginRef[] }).transforms ?? []);
  const declared = transforms.map((t) => registries.transforms.get(typeOf(t)).task).filter((t): t is Task => t !== undefined);
  if (declared.length > 0) return declared[declared.length - 1]!;
  return registries.datasets.get(typeOf(input.dataset)).task?.(paramsOf(input.dataset)) ?? 'classification';
}

/** The task, and the problems of a `task:` that the loss contradicts or metrics that do not fit it. */
export function resolveTask(input: ExperimentInput & { task?: Task }, registries: Registries, problems: Problem[]): Task {
  const implied = impliedTask(input, registries);
  const task = input.task ?? implied;
  const loss = registries.losses.get(typeOf(input.loss));
  if (input.task && loss.target === 'class' && input.task !== 'classification') {
    problems.push({ path: ['task'], message: `loss '${loss.type}' compares the output with class labels, so the task is classification (got ${input.task}); use a value loss (mse, l1, bce, ...) for ${input.task}` });
  }
  (input.metrics ?? []).forEach((ref, i) => {
    const metric = registries.metrics.get(typeOf(ref));
    if (metric.tasks && !metric.tasks.includes(task)) {
      const why = input.task ? 'set by task:' : `inferred from loss '${loss.type}' and the data; task: says it otherwise`;
      problems.push({ path: ['metrics', i], message: `metric '${metric.type}' does not fit a ${task} task (it fits ${metric.tasks.join(', ')}); the task is ${task}, ${why}` });
    }
  });
  return task;
}
