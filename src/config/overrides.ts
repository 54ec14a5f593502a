import { isAlias, isMap, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import { ConfigError, formatPath, UserError, type Path } from '../util/errors.js';
import { toData } from './guards.js';
import { findNode, readYaml, type SourceDocument } from './load.js';
import { pluginSlots } from './validate.js';
import { parseSweepPath } from './sweep.js';

/** 'optimizers[2].lr' → ['optimizers', 2, 'lr'], 'optimizers[*].lr' → ['optimizers', '*', 'lr']; undefined when it is not a key path. */
export const parseKeyPath = parseSweepPath;

/** A path with `[*]` as one concrete path per item of the list it stands in (in the data as it is). */
function expandStars(data: unknown, path: (string | number)[], shown: string): (string | number)[][] {
  const star = path.indexOf('*');
  if (star < 0) return [path];
  const list = path.slice(0, star).reduce<unknown>((v, s) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[s] : undefined), data);
  if (!Array.isArray(list)) throw new UserError(`${shown}: [*] stands for every item of a list, but ${formatPath(path.slice(0, star))} is not a list in the file`);
  return list.flatMap((_, i) => expandStars(data, [...path.slice(0, star), i, ...path.slice(star + 1)], shown));
}

/** Whether a path names a plugin reference (a bare name there may become {type, ...params}). */
function isPluginSlot(data: unknown, path: Path): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  return pluginSlots(data as Record<string, unknown>).some((slot) => formatPath(slot.path) === formatPath(path));
}

/** A flag's VALUE, read by the rules of experiment files (no custom tags, decimal numbers, bounded aliases). */
function readValue(text: string, shown: string): unknown {
  try {
    return readYaml(text, shown, { allowEmpty: true }).data;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UserError(`${shown}: ${error.problems.map((p) => p.message).join('; ')}`);
  }
}

/** The shortest part of `path` that `data` does not have (all of it when it has every step): what a flag creates. */
function createdPart(data: unknown, path: Path): Path {
  let current = data;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    const has = Array.isArray(current)
      ? typeof step === 'number' && step < current.length
      : current !== null && typeof current === 'object' && Object.prototype.hasOwnProperty.call(current, step);
    if (!has) return path.slice(0, i + 1);
    current = (current as Record<string | number, unknown>)[step];
  }
  return path;
}

/**
 * The node the document itself holds at `path`. A value that comes from an alias or a merge key
 * (`<<: *anchor`) is first copied in place (positions kept, so its other values still point at the
 * anchor's lines), so that one part of it can change without changing the anchor.
 */
function ownNode(doc: Document, path: Path): unknown {
  const own = doc.getIn(path, true) as unknown;
  if (own !== undefined && !isAlias(own)) return own;
  const { node, depth } = findNode(doc, path);
  if (depth !== path.length || !node) return own;
  const target = isAlias(node) ? node.resolve(doc) : node;
  if (!target) return own;
  const copy = target.clone() as Node;
  // Not an anchor itself: later aliases keep meaning the original.
  copy.anchor = undefined;
  doc.setIn(path, copy);
  return copy;
}

/** A plugin given by bare name, as a mapping {type: NAME} that still points at the name in the file. */
function asMapping(doc: Document, scalar: Node & { value: unknown }): Node {
  const mapping = doc.createNode({ type: scalar.value });
  visit(mapping, {
    Node(_, node) {
      node.range = scalar.range;
    },
  });
  mapping.range = scalar.range;
  return mapping;
}

/**
 * Applies `--set PATH=VALUE` overrides to the document (VALUE is read as YAML: 1e-3, true, [0, 1]).
 * The values are then validated exactly like the file's; a problem anywhere in what a flag created
 * names the flag, and values the file had and no flag touched keep their lines.
 */
export function applyOverrides(source: SourceDocument, sets: { flag: string; text: string }[]): SourceDocument {
  if (sets.length === 0) return source;
  const doc = source.doc.clone();
  const overrides = [...source.overrides];
  let data = source.data;
  for (const { flag, text } of sets) {
    const eq = text.indexOf('=');
    const parsed = eq > 0 ? parseKeyPath(text.slice(0, eq)) : undefined;
    // As the user typed it: '--set PATH=VALUE', or a shorthand flag and its value ('--epochs 2').
    const shown = flag === '--set' || eq < 0 ? `${flag} ${text}` : `${flag} ${text.slice(eq + 1)}`;
    if (!parsed) throw new UserError(`${flag} ${text}: expected PATH=VALUE, e.g. ${flag} optimizers[0].lr=0.01, ${flag} optimizers[*].lr=0.01 or ${flag} training.batchSize=32`);
    const value = readValue(text.slice(eq + 1), shown);
    for (const path of expandStars(data, parsed, shown)) {
      const created = createdPart(data, path);
      for (let i = 1; i < path.length; i++) {
        const prefix = path.slice(0, i);
        const node = ownNode(doc, prefix);
        const next = path[i];
        if (isScalar(node) && typeof node.value === 'string' && typeof next === 'string' && isPluginSlot(data, prefix)) {
          // A plugin given by bare name becomes a mapping so that one of its params can be set.
          doc.setIn(prefix, asMapping(doc, node));
        } else if (isSeq(node) && (typeof next !== 'number' || next >= node.items.length)) {
          const where = formatPath(prefix);
          throw new UserError(`${shown}: ${where} is a list of ${node.items.length} in ${source.file}; use ${where}[0] to ${where}[${node.items.length - 1}] (or ${where}[*] for all)`);
        } else if (node !== undefined && !isMap(node) && !isSeq(node)) {
          throw new UserError(`${shown}: ${formatPath(prefix)} is a single value in ${source.file}, not a mapping or a list`);
        }
      }
      try {
        doc.setIn(path, doc.createNode(value));
      } catch (error) {
        throw new UserError(`${shown}: cannot set it in ${source.file} (${(error as Error).message.split('\n')[0]})`);
      }
      overrides.push({ path: created, flag: shown });
      data = toData(doc, source.lineCounter, source.file);
    }
  }
  return { ...source, doc, data, overrides };
}
