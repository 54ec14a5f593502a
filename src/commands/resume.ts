import { readFile, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRegistries } from '../registry/index.js';
import { loadPlugins } from '../config/plugins.js';
import { UserError } from '../config/errors.js';
import { trialId, type Plan } from '../config/plan.js';
import type { RunInputs } from '../runner/run.js';
import type { RunEvent } from '../runner/events.js';

/** The plan of an existing run directory, with its plugins loaded: what `run --resume` continues. */
export async function inputsFromRunDir(runDir: string): Promise<RunInputs & { baseDir: string }> {
  let plan: Plan;
  try {
    plan = JSON.parse(await readFile(join(runDir, 'plan.json'), 'utf8')) as Plan;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`--resume ${runDir}: ${code === 'ENOENT' ? 'not a run directory (it has no plan.json)' : `cannot read its plan.json (${(error as Error).message})`}`);
  }
  if (!plan || !Array.isArray(plan.trials) || !plan.config || !plan.experiment) throw new UserError(`--resume ${runDir}: plan.json is not a trainyard plan`);
  // Trial ids become checkpoint paths: an edited plan must not lead them out of the run directory.
  for (const t of plan.trials) {
    if (typeof t?.name !== 'string' || !Number.isInteger(t.seed) || t.id !== trialId(t.name, t.seed)) {
      throw new UserError(`--resume ${runDir}: plan.json has a trial id that trainyard did not make (${JSON.stringify(t?.id)})`);
    }
  }
  const registries = createRegistries();
  const problems = await loadPlugins(plan.experiment.file, plan.pluginModules ?? [], registries);
  if (problems.length > 0) throw new UserError(`--resume ${runDir}: ${problems.map((p) => p.message).join('; ')}`);
  return { plan, registries, config: plan.config, baseDir: dirname(plan.experiment.file) };
}

/**
 * The complete events of a run so far. A line torn by a kill mid-write (no newline at the end, or
 * not JSON) is dropped from the file, so that appending continues from complete data.
 */
export async function readEvents(runDir: string): Promise<RunEvent[]> {
  const path = join(runDir, 'events.jsonl');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const events: RunEvent[] = [];
  let complete = 0;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start);
    if (end < 0) break;
    try {
      events.push(JSON.parse(text.slice(start, end)) as RunEvent);
    } catch {
      break;
    }
    complete = end + 1;
    start = end + 1;
  }
  if (complete < text.length) await truncate(path, Buffer.byteLength(text.slice(0, complete)));
  return events;
}
