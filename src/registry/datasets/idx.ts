import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineDataset, PluginInputError, type DataFacts, type DatasetContext, type ParamProblem, type Split } from '../kinds.js';
import { IdxError, readIdx, readIdxHeader } from '../../util/idx.js';
import { sharedFloat32, sharedUint8 } from '../../util/shared.js';

export interface IdxParams {
  dir?: string;
  trainImages?: string;
  trainLabels?: string;
  testImages?: string;
  testLabels?: string;
  classes: number;
  scale: number;
}

const FILES = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
type FileKey = (typeof FILES)[number];
/** The names MNIST, Fashion-MNIST and KMNIST use. */
const STANDARD_NAMES: Record<FileKey, string> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The four file paths, with the param each comes from (to point errors at it). */
async function resolveFiles(p: IdxParams, ctx: DatasetContext): Promise<Record<FileKey, { path: string; param: string }>> {
  const files = {} as Record<FileKey, { path: string; param: string }>;
  if (p.dir !== undefined) {
    const dir = resolve(ctx.baseDir, p.dir);
    if (!(await exists(dir))) throw new PluginInputError(`directory not found: ${dir}`, 'dir');
    for (const key of FILES) {
      const explicit = p[key];
      if (explicit !== undefined) {
        files[key] = { path: resolve(dir, explicit), param: key };
        continue;
      }
      const raw = resolve(dir, STANDARD_NAMES[key]);
      const gz = `${raw}.gz`;
      const found = (await exists(gz)) ? gz : (await exists(raw)) ? raw : undefined;
      if (!found) throw new PluginInputError(`${dir} has no ${STANDARD_NAMES[key]} or ${STANDARD_NAMES[key]}.gz (or name the file with ${key})`, 'dir');
      files[key] = { path: found, param: 'dir' };
    }
  } else {
    for (const key of FILES) files[key] = { path: resolve(ctx.baseDir, p[key] as string), param: key };
  }
  return files;
}

async function withParam<T>(param: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof IdxError) throw new PluginInputError(error.message, param);
    throw error;
  }
}

function checkPair(images: number[], labels: number[], which: string, param: string): void {
  if (images.length < 2) throw new PluginInputError(`${which} images must have at least 2 dimensions (got [${images.join(', ')}])`, param);
  if (labels.length !== 1) throw new PluginInputError(`${which} labels must have 1 dimension (got [${labels.join(', ')}])`, param);
  if (images[0] !== labels[0]) throw new PluginInputError(`${which} has ${images[0]} images but ${labels[0]} labels`, param);
}

async function inspectIdx(p: IdxParams, ctx: DatasetContext): Promise<DataFacts> {
  const files = await resolveFiles(p, ctx);
  const header = async (key: FileKey) => withParam(files[key].param, async () => (await readIdxHeader(files[key].path)).dims);
  const [trainX, trainY, testX, testY] = await Promise.all(FILES.map(header));
  checkPair(trainX, trainY, 'training set', files.trainImages.param);
  checkPair(testX, testY, 'test set', files.testImages.param);
  if (trainX.slice(1).join() !== testX.slice(1).join()) {
    throw new PluginInputError(`training images are [${trainX.slice(1).join(', ')}] but test images are [${testX.slice(1).join(', ')}]`, files.testImages.param);
  }
  return { sampleShape: trainX.slice(1), classes: p.classes, trainSize: trainX[0], testSize: testX[0], source: files.trainImages.path.replace(/[^/]*$/, '') };
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
    const facts = await inspectIdx(p, ctx);
    const files = await resolveFiles(p, ctx);
    const read = (key: FileKey) => withParam(files[key].param, () => readIdx(files[key].path));
    const split = async (images: FileKey, labels: FileKey): Promise<Split> => {
      const [xi, yi] = [await read(images), await read(labels)];
      const count = yi.dims[0];
      const x = sharedFloat32(xi.data.length);
      for (let i = 0; i < x.length; i++) x[i] = xi.data[i] * p.scale;
      const y = sharedUint8(count);
      for (let i = 0; i < count; i++) {
        if (yi.data[i] >= p.classes) throw new PluginInputError(`${files[labels].path}: label ${yi.data[i]} at index ${i} is not below classes (${p.classes})`, files[labels].param);
        y[i] = yi.data[i];
      }
      return { count, x, y };
    };
    return { facts, train: await split('trainImages', 'trainLabels'), test: await split('testImages', 'testLabels') };
  },
});
