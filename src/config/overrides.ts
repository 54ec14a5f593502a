import { isMap, isScalar, isSeq, parse } from 'yaml';
import { formatPath, UserError, type Path } from './errors.js';
import type { SourceDocument } from './load.js';
import { pluginSlots } from './validate.js';

/** 'optimizers[2].lr' → ['optimizers', 2, 'lr']; undefined when it is not a key path. */
export function parseKeyPath(text: string): (string | number)[] | undefined {
  if (!/^[A-Za-z_$][\w$-]*(\[\d+\]|\.[A-Za-z_$][\w$-]*)*$/.test(text)) return undefined;
  const path: (string | number)[] = [];
  for (const match of text.matchAll(/([A-Za-z_$][\w$-]*)|\[(\d+)\]/g)) path.push(match[1] ?? Number(match[2]));
  return path;
}

/** Whether a path names a plugin reference (a bare name there may become {type, ...params}). */
function isPluginSlot(data: unknown, path: Path): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  return pluginSlots(data as Record<string, unknown>).some((slot) => formatPath(slot.path) === formatPath(path));
}

/**
 * Applies `--set PATH=VALUE` overrides to the document (VALUE is read as YAML: 1e-3, true, [0, 1]).
 * The values are then validated exactly like the file's, and problems with them name the flag.
 */
export function applyOverrides(source: SourceDocument, sets: { flag: string; text: string }[]): SourceDocument {
  if (sets.length === 0) return source;
  const doc = source.doc.clone();
  const overrides = [...source.overrides];
  for (const { flag, text } of sets) {
    const eq = text.indexOf('=');
    const path = eq > 0 ? parseKeyPath(text.slice(0, eq)) : undefined;
    // As the user typed it: '--set PATH=VALUE', or a shorthand flag and its value ('--epochs 2').
    const shown = flag === '--set' || eq < 0 ? `${flag} ${text}` : `${flag} ${text.slice(eq + 1)}`;
    if (!path) throw new UserError(`${flag} ${text}: expected PATH=VALUE, e.g. ${flag} optimizers[0].lr=0.01 or ${flag} training.batchSize=32`);
    let value: unknown;
    try {
      value = parse(text.slice(eq + 1));
    } catch (error) {
      throw new UserError(`${shown}: the value is not valid YAML (${(error as Error).message.split('\n')[0]})`);
    }
    for (let i = 1; i < path.length; i++) {
      const prefix = path.slice(0, i);
      const node = doc.getIn(prefix, true);
      const next = path[i];
      if (isScalar(node) && typeof node.value === 'string' && typeof next === 'string' && isPluginSlot(doc.toJS(), prefix)) {
        // A plugin given by bare name becomes a mapping so that one of its params can be set.
        doc.setIn(prefix, doc.createNode({ type: node.value }));
      } else if (isSeq(node) && (typeof next !== 'number' || next >= node.items.length)) {
        const where = formatPath(prefix);
        throw new UserError(`${shown}: ${where} is a list of ${node.items.length} in ${source.file}; use ${where}[0] to ${where}[${node.items.length - 1}]`);
      } else if (node !== undefined && !isMap(node) && !isSeq(node)) {
        throw new UserError(`${shown}: ${formatPath(prefix)} is a single value in ${source.file}, not a mapping or a list`);
      }
    }
    try {
      doc.setIn(path, doc.createNode(value));
    } catch (error) {
      throw new UserError(`${shown}: cannot set it in ${source.file} (${(error as Error).message.split('\n')[0]})`);
    }
    overrides.push({ path: path as Path, flag: shown });
  }
  return { ...source, doc, data: doc.toJS({ maxAliasCount: 100 }), overrides };
}
