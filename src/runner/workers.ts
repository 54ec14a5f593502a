// How many worker threads a run may start within limits.memoryMB, decided once the backend has
// loaded and before anything is trained or written: the estimate for that backend, the default count
// shrunk to what fits, an explicit --workers N refused when it cannot fit, and a trial too large
// for one worker's heap refused at the key that drives it.
import { availableParallelism } from 'node:os';
import { estimateStudy, studySeconds, trialCosts } from '../config/estimate-study.js';
import { heapProblem, MB, memoryProblem, runBytes, workersThatFit, type MemoryEstimate } from '../config/estimate.js';
import { formatPath, UserError, type Problem } from '../util/errors.js';
import { failWith, type SourceDocument } from '../config/load.js';
import type { Plan } from '../config/plan.js';
import type { Experiment } from '../config/types.js';
import type { Registries } from '../registry/index.js';
import type { BackendPlugin } from '../registry/kinds.js';
import { defaultWorkers } from './run.js';

const count = (n: number): string => n.toLocaleString('en-US');
const threads = (n: number): string => `${n} worker thread${n === 1 ? '' : 's'}`;
/** The limit, in whole MB, that a run of `bytes` needs. */
const neededMB = (bytes: number): number => Math.ceil(bytes / MB);

/** Whole MB, as limits.memoryMB counts them: '1,542 MB'. */
const mb = (bytes: number): string => `${count(neededMB(bytes))} MB`;

/** What the run of `workers` threads needs, in words: the process and the workers. */
function needs(estimate: MemoryEstimate, workers: number): string {
  const total = runBytes(estimate, workers);
  const process = estimate.process.bytes;
  return `about ${mb(total)} of memory with ${threads(workers)} (the process ${mb(process)}, the workers ${mb(total - process)})`;
}

export interface WorkerChoice {
  /** Trials the run trains; it never starts more workers than that. */
  trials: number;
  /** The count the backend alone would choose (defaultWorkers: trials, at most cores + 1; 1 on native TensorFlow). */
  cpuDefault: number;
  /** --workers N, when given. */
  requested?: number;
}

/**
 * The worker count: the requested one, refused with a UserError saying what would fit when its run
 * exceeds limitBytes; else the default shrunk to the largest count that fits (at least 1: a plan
 * that cannot run with one worker is memoryProblem's to refuse).
 */
export function chooseWorkers(estimate: MemoryEstimate, choice: WorkerChoice): number {
  const trials = Math.max(1, choice.trials);
  if (choice.requested === undefined) return Math.max(1, workersThatFit(estimate, Math.min(choice.cpuDefault, trials)));
  const workers = Math.min(choice.requested, trials);
  if (runBytes(estimate, workers) <= estimate.limitBytes) return workers;
  const fit = workersThatFit(estimate, workers);
  const limit = `limits.memoryMB allows (${count(estimate.limitBytes / MB)} MB)`;
  const raise = `raise the limit to at least ${mb(runBytes(estimate, workers))} (--set limits.memoryMB=${neededMB(runBytes(estimate, workers))})`;
  throw new UserError(
    `--workers ${choice.requested}: the run needs ${needs(estimate, workers)}, more than ${limit}; ` +
      (fit > 0 ? `${threads(fit)} fit (--workers ${fit}), or ${raise}` : `not even one worker thread fits; ${raise}`),
  );
}

/** Why the default count is smaller than the backend alone would choose, or undefined when it is not. */
export function shrinkNote(estimate: MemoryEstimate, choice: WorkerChoice, workers: number): string | undefined {
  const wanted = Math.min(choice.cpuDefault, Math.max(1, choice.trials));
  if (choice.requested !== undefined || workers >= wanted) return undefined;
  return `memory: ${threads(workers)} instead of ${wanted}: ${wanted} would need ${needs(estimate, wanted)}, more than limits.memoryMB allows (${count(estimate.limitBytes / MB)} MB)`;
}

export interface FitInputs {
  plan: Plan;
  config: Experiment;
  registries: Registries;
  /** The experiment file, for problems located at its lines (absent on --resume: the plan comes from plan.json). */
  source?: SourceDocument;
}

export interface FittedRun {
  workers: number;
  /** The plan with `estimates` for the loaded backend and the chosen workers. */
  plan: Plan;
  /** Set when the memory limit took worker threads away from the default: for the user to read. */
  note?: string;
}

/** A problem as a located error when there is a file, else as a UserError naming the key. */
function refuse(problem: Problem, source: SourceDocument | undefined): never {
  if (source) failWith(source, [problem]);
  throw new UserError(`${formatPath(problem.path)}: ${problem.message}`);
}

/**
 * The memory checks of a run whose backend has loaded, before anything is trained or written: a
 * trial that outgrows one worker's heap, a run that cannot fit with one worker, then the worker count.
 */
export function fitRun(inputs: FitInputs, backend: BackendPlugin, requested?: number, trials = inputs.plan.trials.length): FittedRun {
  const { plan, config, registries, source } = inputs;
  const estimate = estimateStudy(config, registries, plan.data, plan.trials, { backend: backend.type, parallel: 1 });
  const problem = heapProblem(config, registries, plan.data, estimate) ?? memoryProblem(config, registries, plan.data, estimate);
  if (problem) refuse(problem, source);
  const choice: WorkerChoice = { trials, cpuDefault: defaultWorkers(trials, backend), requested };
  const workers = chooseWorkers(estimate, choice);
  const note = shrinkNote(estimate, choice, workers);
  const cores = availableParallelism();
  const parallel = (backend.parallelTrials?.(cores) ?? cores + 1) > 1 ? Math.max(1, Math.min(workers, cores)) : 1;
  const seconds = Math.round(studySeconds([...trialCosts(config, registries, plan.data, plan.trials, backend.type).values()], parallel) * 10) / 10;
  return { workers, plan: { ...plan, estimates: { ...estimate, seconds, workers, runBytes: runBytes(estimate, workers) } }, ...(note ? { note } : {}) };
}
