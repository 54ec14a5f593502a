import { dirname, resolve } from 'node:path';
import { defineDataset, PluginInputError, type DataFacts, type DatasetContext, type ParamProblem } from '../kinds.js';
import { exists, findFile, FILES, inspectIdxFiles, loadIdxFiles, STANDARD_NAMES, type IdxFiles } from './idx-files.js';

export interface IdxParams {
  dir?: string;
  trainImages?: string;
  trainLabels?: string;
  testImages?: string;
  testLabels?: string;
  classes: number;
  scale: number;
}

/** The four file paths, with the param each comes from (to point errors at it). */
async function resolveFiles(p: IdxParams, ctx: DatasetContext): Promise<IdxFiles> {
  const files = {} as IdxFiles;
  if (p.dir !== undefined) {
    const dir = resolve(ctx.baseDir, p.dir);
    if (!(await exists(dir))) throw new PluginInputError(`directory not found: ${dir}`, 'dir');
    for (const key of FILES) {
      const explicit = p[key];
      if (explicit !== undefined) {
        files[key] = { path: resolve(dir, explicit), param: key };
        continue;
      }
      const found = await findFile(dir, STANDARD_NAMES[key]);
      if (!found) throw new PluginInputError(`${dir} has no ${STANDARD_NAMES[key]} or ${STANDARD_NAMES[key]}.gz (or name the file with ${key})`, 'dir');
      files[key] = { path: found, param: 'dir' };
    }
  } else {
    for (const key of FILES) files[key] = { path: resolve(ctx.baseDir, p[key] as string), param: key };
  }
  return files;
}

async function inspectIdx(p: IdxParams, ctx: DatasetContext): Promise<DataFacts> {
  const files = await resolveFiles(p, ctx);
  return inspectIdxFiles(files, p.classes, dirname(files.trainImages.path));
}

export default defineDataset<IdxParams>({
  type: 'idx',
  summary: 'MNIST-format IDX files (gzipped or raw): a directory with the standard names, or four paths',
  params: {
    type: 'object',
    properties: {
      dir: { type: 'string', minLength: 1, description: 'Directory holding train-images-idx3-ubyte[.gz] and the other three standard files (relative to the YAML file)' },
      trainImages: { type: 'string', minLength: 1, description: 'Training images file (relative to dir, or to the YAML file without dir)' },
      trainLabels: { type: 'string', minLength: 1, description: 'Training labels file' },
      testImages: { type: 'string', minLength: 1, description: 'Test images file' },
      testLabels: { type: 'string', minLength: 1, description: 'Test labels file' },
      classes: { type: 'integer', minimum: 2, maximum: 256, default: 10, description: 'Number of classes (labels are 0 to classes-1)' },
      scale: { type: 'number', exclusiveMinimum: 0, default: 1 / 255, description: 'Pixels are multiplied by this (1/255 maps bytes to [0, 1], as torchvision ToTensor)' },
    },
    additionalProperties: false,
  },
  check(p) {
    const problems: ParamProblem[] = [];
    const missing = FILES.filter((k) => p[k] === undefined);
    if (p.dir === undefined && missing.length > 0) {
      problems.push({ path: '', message: `needs dir, or all four of ${FILES.join(', ')} (missing: ${missing.join(', ')})` });
    }
    return problems;
  },
  inspect: inspectIdx,
  async load(p, ctx) {
    return loadIdxFiles(await resolveFiles(p, ctx), await inspectIdx(p, ctx), p.scale);
  },
});
