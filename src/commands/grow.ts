// Growing a study: `trainyard run --resume RUN_DIR --set seeds.count=8` (or a sweep with more
// points in the experiment file) adds trials to a run and keeps every trial it has. The new plan
// comes from the experiment file with the run's overrides and the new ones, as `run` would make it;
// everything but the study's own keys must be as the run trained it.
import { UserError } from '../util/errors.js';
import { prepare } from '../config/pipeline.js';
import type { Plan } from '../config/plan.js';
import type { Experiment } from '../config/types.js';

/** The keys a study may change when it grows: which trials there are, not what a trial does. */
const STUDY_KEYS = ['seeds', 'sweep', 'select', 'targets', 'report', 'limits'] as const;

const trainingPart = (config: Experiment): string => {
  const rest: Record<string, unknown> = { ...config };
  for (const key of STUDY_KEYS) delete rest[key];
  return JSON.stringify(rest);
};

/** The first key whose value differs, for the message. */
function firstDifference(a: Experiment, b: Experiment): string {
  for (const key of Object.keys({ ...a, ...b })) {
    if ((STUDY_KEYS as readonly string[]).includes(key)) continue;
    if (JSON.stringify((a as unknown as Record<string, unknown>)[key]) !== JSON.stringify((b as unknown as Record<string, unknown>)[key])) return key;
  }
  return 'the config';
}

/** The run's plan with the new trials appended (its own trials, data facts and backend kept); throws a UserError when it cannot grow. */
export async function growPlan(plan: Plan, sets: { flag: string; text: string }[], runDir: string): Promise<{ plan: Plan; added: number }> {
  const flags = sets.map((s) => `${s.flag} ${s.text}`).join(' ');
  const earlier = plan.overrides.map((text) => ({ flag: '--set', text }));
  const grown = await prepare(plan.experiment.file, { sets: [...earlier, ...sets] }).catch((error: unknown) => {
    if (error instanceof UserError) throw new UserError(`--resume ${runDir} ${flags}: the grown study does not validate:\n${error.message}`);
    throw error;
  });
  if (trainingPart(grown.config) !== trainingPart(plan.config)) {
    throw new UserError(
      `--resume ${runDir} ${flags}: ${firstDifference(grown.config, plan.config)} in ${plan.experiment.file} is not what the run trained with; ` +
        'a study grows only by its seeds and sweep points (the rest must stay as it was): restore the file or start a new run',
    );
  }
  const ids = new Set(grown.plan.trials.map((t) => t.id));
  const dropped = plan.trials.filter((t) => !ids.has(t.id));
  if (dropped.length > 0) {
    throw new UserError(`--resume ${runDir} ${flags}: the grown study would drop ${dropped.length} of the run's trials (${dropped.slice(0, 3).map((t) => t.id).join(', ')}${dropped.length > 3 ? ', ...' : ''}); a study only grows`);
  }
  const have = new Set(plan.trials.map((t) => t.id));
  const added = grown.plan.trials.filter((t) => !have.has(t.id));
  const config = { ...plan.config };
  for (const key of STUDY_KEYS) {
    if (grown.config[key] === undefined) delete (config as Record<string, unknown>)[key];
    else (config as Record<string, unknown>)[key] = grown.config[key];
  }
  return {
    plan: { ...plan, config, overrides: [...plan.overrides, ...sets.map((s) => s.text)], trials: [...plan.trials, ...added], ...(plan.estimates ? { estimates: { ...plan.estimates, trials: plan.trials.length + added.length } } : {}) },
    added: added.length,
  };
}
