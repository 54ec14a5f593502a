// Opening an existing run directory for `run --resume` and `evaluate`. A run directory is data
// (it may come from someone else): the plugin modules its plan names are imported only when the
// user says so with --allow-plugins, as torch.load loads weights only unless told otherwise.
import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createRegistries, type Registries } from '../registry/index.js';
import { loadPlugins, pluginModulePaths } from '../registry/modules.js';
import { UserError } from '../util/errors.js';
import { checkPlan, readPlanFile, type PlanFile } from '../config/plan-file.js';
import type { Plan } from '../config/plan.js';
import type { Experiment } from '../config/types.js';
import { fsReason } from '../util/fs-errors.js';

export interface OpenedRun {
  runDir: string;
  planFile: PlanFile;
  plan: Plan;
  registries: Registries;
  config: Experiment;
  /** The experiment file's directory: relative data paths resolve here. */
  baseDir: string;
}

/** Run directories just below `dir` (its experiments' `latest` links), to suggest one. */
async function runsBelow(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names.sort()) {
    if (await stat(join(dir, name, 'latest', 'plan.json')).catch(() => undefined)) found.push(join(dir, name, 'latest'));
  }
  return found;
}

/** The real path of a run directory argument (`runs/x/latest` names the run it points at); a UserError when it is not one. */
export async function resolveRunDir(arg: string, flag: string): Promise<string> {
  const dir = await realpath(resolve(arg)).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`${flag} ${arg}: ${error.code === 'ENOENT' ? 'no such directory' : fsReason(error)}`);
  });
  const info = await stat(dir);
  if (!info.isDirectory()) throw new UserError(`${flag} ${arg}: not a directory (give a run directory, e.g. runs/<experiment>/latest)`);
  if (!(await stat(join(dir, 'plan.json')).catch(() => undefined))) {
    // An experiment's directory (runs/x) or a root of runs (runs/): name the runs in it.
    const own = (await stat(join(dir, 'latest', 'plan.json')).catch(() => undefined)) ? [join(dir, 'latest')] : [];
    const candidates = [...own, ...(await runsBelow(dir))];
    const hint = candidates.length > 0 ? `; did you mean ${candidates.slice(0, 3).join(' or ')}?` : ' (a run directory is <out>/<experiment>/<run id>, or its <out>/<experiment>/latest)';
    throw new UserError(`${flag} ${arg}: not a run directory (it has no plan.json)${hint}`);
  }
  return dir;
}

/** Reads and checks a run's plan, with its plugins loaded only when allowed. */
export async function openRun(arg: string, flag: string, options: { allowPlugins: boolean }): Promise<OpenedRun> {
  const runDir = await resolveRunDir(arg, flag);
  const planFile = await readPlanFile(runDir);
  const { plan } = planFile;
  const modules = pluginModulePaths(plan.experiment.file, plan.pluginModules ?? []);
  const registries = createRegistries();
  if (modules.length > 0) {
    if (!options.allowPlugins) {
      throw new UserError(
        `${flag} ${arg}: this run needs plugin modules (${modules.join(', ')}); opening it would run their code. ` +
          'If you trust them, pass --allow-plugins (a run directory from someone else can run anything its plan names)',
      );
    }
    const problems = await loadPlugins(plan.experiment.file, modules, registries);
    if (problems.length > 0) throw new UserError(`${flag} ${arg}: ${problems.map((p) => p.message).join('; ')}`);
  }
  checkPlan(planFile, registries);
  return { runDir, planFile, plan, registries, config: plan.config, baseDir: dirname(plan.experiment.file) };
}
