// The registries with a project's own plugins in them, for `schema` and `list`: from modules named
// on the command line (--plugins FILE..., relative to the current directory) or from an experiment
// file's `plugins:` (relative to it, as a run loads them).
import { resolve } from 'node:path';
import { createRegistries, type Registries } from '../registry/index.js';
import { loadPlugins } from '../registry/modules.js';
import { failWith, loadFile } from '../config/load.js';
import { UserError } from '../util/errors.js';

export async function registriesWith(pluginFiles: string[] = [], experiment?: string): Promise<Registries> {
  const registries = createRegistries();
  if (experiment !== undefined) {
    const source = await loadFile(experiment);
    const data = source.data as Record<string, unknown> | null;
    const plugins = data && typeof data === 'object' && !Array.isArray(data) ? data.plugins : undefined;
    failWith(source, await loadPlugins(experiment, plugins, registries));
  }
  if (pluginFiles.length > 0) {
    // Paths relative to the current directory: loadPlugins resolves them beside a file here.
    const problems = await loadPlugins(resolve('--plugins'), pluginFiles, registries);
    if (problems.length > 0) throw new UserError(problems.map((p) => `--plugins ${pluginFiles[p.path[1] as number]}: ${p.message}`).join('\n'));
  }
  return registries;
}
