// The estimates of a whole study: memory for its largest trial (a sweep of batch sizes or layer
// widths gives each trial its own config), the trial count, and a rough training time. Pure.
import type { Registries } from '../registry/index.js';
import type { DataFacts } from '../registry/kinds.js';
import { autoOrder } from '../registry/backends/auto.js';
import { estimateMemory, type MemoryEstimate } from './estimate.js';
import { trialConfig, type Trial } from './plan.js';
import { modelFacts } from './trial-memory.js';
import type { Experiment } from './types.js';

/** The distinct configs the trials train with (outside their optimizers), each with its trials. */
export function trialVariants(config: Experiment, trials: readonly Trial[]): { config: Experiment; trials: Trial[] }[] {
  const variants = new Map<string, { config: Experiment; trials: Trial[] }>();
  for (const trial of trials) {
    const own = trialConfig(config, trial);
    const key = JSON.stringify([own.training, own.model, own.loss]);
    let variant = variants.get(key);
    if (!variant) variants.set(key, (variant = { config: own, trials: [] }));
    variant.trials.push(trial);
  }
  return [...variants.values()];
}

/** The backend whose speed the estimate assumes: the config's, or auto's first that has figures. */
export function speedBackend(registries: Registries, backend: string): string {
  if (backend !== 'auto') return backend;
  const { backends } = registries;
  return autoOrder(backends.list()).find((name) => backends.get(name).speed && backends.get(name).memory?.calibrated) ?? 'cpu';
}

/**
 * Seconds one trial of this config trains, roughly: multiply-adds of the training (forward, backward:
 * 6 per parameter and sample) and of the evaluations (2), at the backend's speed, plus a fixed cost per step.
 */
export function trialSeconds(config: Experiment, registries: Registries, facts: DataFacts, backend: string): number {
  const plugin = registries.backends.has(backend) ? registries.backends.get(backend) : undefined;
  const speed = plugin?.speed ?? registries.backends.get('cpu').speed ?? { flopsPerSecond: 1e9, secondsPerStep: 1e-3 };
  const { parameters } = modelFacts(config, registries, facts.sampleShape);
  const { epochs, batchSize } = config.training;
  const steps = Math.ceil(facts.trainSize / batchSize);
  const evaluated = facts.testSize + (facts.validationSize ?? 0);
  const flops = 6 * parameters * facts.trainSize + 2 * parameters * evaluated;
  return epochs * (flops / speed.flopsPerSecond + steps * speed.secondsPerStep);
}

/**
 * The study's seconds with `workers` trials at once on `cores` cores (per-thread backends run at most
 * one trial a core at full speed; the others train one trial at a time on the whole machine).
 */
export function studySeconds(perTrial: readonly number[], parallel: number): number {
  const total = perTrial.reduce((a, b) => a + b, 0);
  // Never less than the longest trial: it runs on one thread whatever the others do.
  return Math.max(total / Math.max(1, parallel), ...perTrial, 0);
}

/**
 * The plan's estimates: the memory of its most demanding variant (each optimizer's trial count as
 * the plan has them), the trial count and the seconds with `parallel` trials training at once.
 */
export function estimateStudy(
  config: Experiment,
  registries: Registries,
  facts: DataFacts,
  trials: readonly Trial[],
  options: { backend?: string; parallel: number },
): MemoryEstimate {
  const backend = options.backend ?? config.backend.type;
  const variants = trialVariants(config, trials);
  let largest: MemoryEstimate | undefined;
  for (const variant of variants) {
    const estimate = estimateMemory(variant.config, registries, facts, backend);
    if (!largest || estimate.totalBytes > largest.totalBytes) largest = estimate;
  }
  const timed = speedBackend(registries, backend);
  const seconds = variants.flatMap((v) => {
    const each = trialSeconds(v.config, registries, facts, timed);
    return v.trials.map(() => each);
  });
  const perOptimizer = new Map<string, number>();
  for (const trial of trials) perOptimizer.set(trial.name, (perOptimizer.get(trial.name) ?? 0) + 1);
  return {
    ...largest!,
    optimizers: largest!.optimizers.map((o) => ({ ...o, trials: perOptimizer.get(o.optimizer) ?? o.trials })),
    trials: trials.length,
    seconds: Math.round(studySeconds(seconds, options.parallel) * 10) / 10,
  };
}

/** Each trial's estimated seconds, for scheduling the longest first. */
export function trialCosts(config: Experiment, registries: Registries, facts: DataFacts, trials: readonly Trial[], backend: string): Map<string, number> {
  const costs = new Map<string, number>();
  for (const variant of trialVariants(config, trials)) {
    const each = trialSeconds(variant.config, registries, facts, speedBackend(registries, backend));
    for (const t of variant.trials) costs.set(t.id, each);
  }
  return costs;
}

/** "45 trials, about 6 minutes on wasm-blas with 3 workers": what a study will take, before it starts. */
export function studyLine(estimate: Pick<MemoryEstimate, 'trials' | 'seconds'>, backend: string, workers: number | 'queue'): string {
  const s = estimate.seconds ?? 0;
  const time = s < 90 ? `${Math.max(1, Math.round(s))} seconds` : s < 5400 ? `${Math.round(s / 60)} minutes` : `${(s / 3600).toFixed(1)} hours`;
  const n = estimate.trials ?? 0;
  // On a queue the time depends on the workers that pull the trials: say what this machine would take.
  if (workers === 'queue') return `${n} trial${n === 1 ? '' : 's'} on the queue (about ${time} on ${backend} as this machine would train them)`;
  const who = workers === 0 ? 'in this thread' : `with ${workers} worker${workers === 1 ? '' : 's'}`;
  return `${n} trial${n === 1 ? '' : 's'}, about ${time} on ${backend} ${who}`;
}
