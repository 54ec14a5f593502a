// What `trainyard evaluate` measures on: the run's own data, or another dataset (--dataset SPEC,
// a YAML flow spec or a bare name; the run's transforms apply unless SPEC gives its own), and
// one of its splits (--set test|train|validation). Another dataset must give the samples the
// model takes: the same sample shape, no more classes than it scores.
import { readYaml } from '../config/load.js';
import { validate } from '../config/validate.js';
import { normalize } from '../config/normalize.js';
import { dataFacts } from '../config/inspect.js';
import type { Experiment } from '../config/types.js';
import type { LoadedData, Split } from '../registry/kinds.js';
import { loadExperimentData } from '../runner/data.js';
import { formatPath, ProblemsError, UserError } from '../util/errors.js';
import type { OpenedRun } from './open-run.js';

export const SPLITS = ['test', 'train', 'validation'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface EvaluationData {
  config: Experiment;
  data: LoadedData;
  split: Split;
  splitName: SplitName;
  /** Whether this is what the run recorded its figures on (its own test set). */
  recorded: boolean;
  /** For people: which data this is. */
  label: string;
}

/** The run's config with another dataset spec, validated and normalized as a file's would be. */
function withDataset(run: OpenedRun, text: string): Experiment {
  const { data: value } = readYaml(text, '--dataset', { allowEmpty: false });
  const given = typeof value === 'string' ? { type: value } : (value as Record<string, unknown>);
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new UserError(`--dataset ${text}: expected a dataset name or a mapping like {type: fashion-mnist}`);
  const { transforms, validation } = run.config.dataset;
  const spec = { transforms, ...(validation ? { validation } : {}), ...given };
  try {
    return normalize(validate({ ...run.config, dataset: spec }, run.registries), run.registries);
  } catch (error) {
    if (error instanceof ProblemsError) throw new UserError(error.problems.map((p) => `--dataset ${text}: ${formatPath(p.path)}: ${p.message}`).join('\n'));
    throw error;
  }
}

export async function evaluationData(run: OpenedRun, values: Record<string, unknown>): Promise<EvaluationData> {
  const splitName = (values.set as string | undefined) ?? 'test';
  if (!(SPLITS as readonly string[]).includes(splitName)) throw new UserError(`--set ${splitName}: expected one of ${SPLITS.join(', ')} (the split to evaluate on)`);
  const other = values.dataset as string | undefined;
  const config = other === undefined ? run.config : withDataset(run, other);
  // Paths in another dataset's spec are the user's, relative to where they typed it.
  const baseDir = other === undefined ? run.baseDir : process.cwd();
  if (other !== undefined) {
    const { type, transforms: _t, validation: _v, ...params } = config.dataset;
    const facts = dataFacts(config, run.registries, await run.registries.datasets.get(type).inspect(params, { baseDir }).catch((error: Error) => {
      throw new UserError(`--dataset ${other}: ${error.message}`);
    }));
    const want = run.plan.data;
    if (facts.sampleShape.join() !== want.sampleShape.join()) {
      throw new UserError(`--dataset ${other}: its samples are [${facts.sampleShape.join(', ')}] but the model takes [${want.sampleShape.join(', ')}] (after the run's transforms)`);
    }
    if (facts.classes > want.classes) throw new UserError(`--dataset ${other}: it has ${facts.classes} classes but the model scores ${want.classes}`);
  }
  const data = await loadExperimentData(config, run.registries, baseDir).catch((error: Error) => {
    throw new UserError(`evaluate ${run.runDir}: the data cannot be loaded: ${error.message}`);
  });
  const split = splitName === 'validation' ? data.validation : splitName === 'train' ? data.train : data.test;
  if (!split) throw new UserError(`--set validation: the ${other === undefined ? "run's" : 'given'} dataset holds out no validation set (dataset.validation)`);
  const label = `${other === undefined ? `the run's dataset (${run.config.dataset.type})` : `dataset ${config.dataset.type}`}, ${splitName} set (${split.count} samples)`;
  return { config, data, split, splitName: splitName as SplitName, recorded: other === undefined && splitName === 'test', label };
}
