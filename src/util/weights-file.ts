// A weights file named by an experiment (model.init.weights): safetensors (torch's names and
// layouts) or a trainyard bundle (its NAME.json, tensors weights/i in TF.js's layout).
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { BUNDLE_FORMAT, readBundle, type BundleIndex } from './tensor-bundle.js';
import { readSafetensors, readSafetensorsHeader } from './safetensors.js';

export type WeightsFormat = 'safetensors' | 'bundle';

export interface WeightsEntry {
  name: string;
  shape: number[];
  /** safetensors' dtype; a bundle is F32. */
  dtype: string;
}

export interface WeightsValues extends WeightsEntry {
  data: Float32Array;
}

/** The format by the file's extension: .safetensors, or a bundle's .json; undefined for anything else. */
export function weightsFormat(path: string): WeightsFormat | undefined {
  const ext = extname(path).toLowerCase();
  return ext === '.safetensors' ? 'safetensors' : ext === '.json' ? 'bundle' : undefined;
}

export const WEIGHTS_FORMATS_HELP = 'a .safetensors file (torch state_dict names) or a trainyard bundle\'s .json (weights/<trial>/weights.json of a run)';

function formatOf(path: string): WeightsFormat {
  const format = weightsFormat(path);
  if (!format) throw new Error(`${path}: expected ${WEIGHTS_FORMATS_HELP}`);
  return format;
}

/** The names, shapes and dtypes, without the values. */
export async function readWeightsHeader(path: string): Promise<{ format: WeightsFormat; tensors: WeightsEntry[] }> {
  const format = formatOf(path);
  if (format === 'safetensors') {
    const header = await readSafetensorsHeader(path);
    return { format, tensors: header.entries.map((e) => ({ name: e.name, shape: e.shape, dtype: e.dtype })) };
  }
  let index: BundleIndex<unknown>;
  try {
    index = JSON.parse(await readFile(path, 'utf8')) as BundleIndex<unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code) throw error;
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (index?.format !== BUNDLE_FORMAT || !Array.isArray(index.tensors)) throw new Error(`${path}: not a ${BUNDLE_FORMAT} file`);
  return { format, tensors: index.tensors.map((t) => ({ name: String(t?.name), shape: Array.isArray(t?.shape) ? t.shape : [], dtype: 'F32' })) };
}

export async function readWeightsFile(path: string): Promise<{ format: WeightsFormat; tensors: Map<string, WeightsValues> }> {
  const format = formatOf(path);
  if (format === 'safetensors') {
    const { tensors } = await readSafetensors(path);
    return { format, tensors };
  }
  const { tensors } = await readBundle(dirname(path), basename(path, extname(path)));
  return { format, tensors: new Map([...tensors].map(([name, t]) => [name, { ...t, dtype: 'F32' }])) };
}

/**
 * How a bundle's tensors differ from the shapes a model needs: its trainable tensors weights/i and
 * its layers' state state/i (batch norm's running statistics), each in order.
 */
export function bundleMismatches(needed: readonly number[][], found: readonly { name: string; shape: readonly number[] }[], neededState: readonly number[][] = []): string[] {
  const problems: string[] = [];
  const byName = new Map(found.map((f) => [f.name, f]));
  const text = (s: readonly number[]) => `[${s.join(', ')}]`;
  const kinds = [
    { prefix: 'weights', shapes: needed, what: 'trainable tensor' },
    { prefix: 'state', shapes: neededState, what: 'state tensor' },
  ];
  for (const { prefix, shapes, what } of kinds) {
    shapes.forEach((shape, i) => {
      const f = byName.get(`${prefix}/${i}`);
      if (!f) problems.push(`tensor '${prefix}/${i}' is missing: the model's ${what} ${i} is ${text(shape)}`);
      else if (f.shape.length !== shape.length || f.shape.some((d, k) => d !== shape[k])) problems.push(`tensor '${prefix}/${i}' is ${text(f.shape)} but the model's ${what} ${i} is ${text(shape)}`);
    });
  }
  for (const f of found) {
    const m = /^(weights|state)\/(\d+)$/.exec(f.name);
    const count = m?.[1] === 'state' ? neededState.length : needed.length;
    if (!m || Number(m[2]) >= count) {
      const has = m?.[1] === 'state' ? `${count} state tensors${count ? `, state/0 to state/${count - 1}` : ''}` : `${needed.length} trainable tensors, weights/0 to weights/${needed.length - 1}`;
      problems.push(`tensor '${f.name}' ${text(f.shape)} is not in the model (it has ${has})`);
    }
  }
  return problems;
}
