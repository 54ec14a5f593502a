// Reading the four files of an MNIST-format dataset; shared by the idx plugin and the datasets
// that download such files (mnist, fashion-mnist, kmnist).
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { PluginInputError, type DataFacts, type LoadedData, type Split } from '../kinds.js';
import { IdxError, readIdx, readIdxHeader } from '../../util/idx.js';
import { sharedUint8 } from '../../util/shared.js';
import { scaledCodes } from '../../util/split-values.js';

export const FILES = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
export type FileKey = (typeof FILES)[number];

/** The names MNIST, Fashion-MNIST and KMNIST use (each also found with .gz). */
export const STANDARD_NAMES: Record<FileKey, string> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** A file and the param of the dataset spec it comes from (to point errors at it). */
export type IdxFiles = Record<FileKey, { path: string; param: string }>;

export const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** The path of `name` or `name.gz` in dir (gz preferred), or undefined. */
export async function findFile(dir: string, name: string): Promise<string | undefined> {
  const raw = join(dir, name);
  if (await exists(`${raw}.gz`)) return `${raw}.gz`;
  return (await exists(raw)) ? raw : undefined;
}

async function withParam<T>(param: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof IdxError) throw new PluginInputError(error.message, param);
    throw error;
  }
}

function checkPair(images: number[], labels: number[], which: string, file: string, param: string): void {
  if (images.length < 2) throw new PluginInputError(`${which} images must have at least 2 dimensions (got [${images.join(', ')}])`, param);
  if (labels.length !== 1) throw new PluginInputError(`${which} labels must have 1 dimension (got [${labels.join(', ')}])`, param);
  if (images[0] !== labels[0]) throw new PluginInputError(`${which} has ${images[0]} images but ${labels[0]} labels`, param);
  // An empty split would train on nothing, or report null metrics as if the run were fine.
  if (images[0] === 0) throw new PluginInputError(`${file}: the ${which} has 0 images; each split needs at least one sample`, param);
}

/** Shapes and counts from the four headers, checked against each other. */
export async function inspectIdxFiles(files: IdxFiles, classes: number, source: string): Promise<DataFacts> {
  const header = (key: FileKey) => withParam(files[key].param, async () => (await readIdxHeader(files[key].path)).dims);
  const [trainX, trainY, testX, testY] = await Promise.all(FILES.map(header));
  checkPair(trainX, trainY, 'training set', files.trainImages.path, files.trainImages.param);
  checkPair(testX, testY, 'test set', files.testImages.path, files.testImages.param);
  if (trainX.slice(1).join() !== testX.slice(1).join()) {
    throw new PluginInputError(`training images are [${trainX.slice(1).join(', ')}] but test images are [${testX.slice(1).join(', ')}]`, files.testImages.param);
  }
  // Images (files of [count, height, width]) have one channel, laid out channels first as torch's.
  const sampleShape = trainX.length === 3 ? [1, ...trainX.slice(1)] : trainX.slice(1);
  return { sampleShape, classes, trainSize: trainX[0], testSize: testX[0], source };
}

/** The pixels (as bytes coded with the scale) and labels, into shared memory; a label ≥ classes is an error. */
export async function loadIdxFiles(files: IdxFiles, facts: DataFacts, scale: number): Promise<LoadedData> {
  const read = (key: FileKey) => withParam(files[key].param, () => readIdx(files[key].path));
  const codes = scaledCodes(scale);
  const split = async (images: FileKey, labels: FileKey): Promise<Split> => {
    const [xi, yi] = [await read(images), await read(labels)];
    const count = yi.dims[0];
    // The pixels stay bytes, coded as byte × scale: batches decode their own rows.
    let x = xi.data;
    if (!(x.buffer instanceof SharedArrayBuffer)) (x = sharedUint8(xi.data.length)).set(xi.data);
    const y = sharedUint8(count);
    for (let i = 0; i < count; i++) {
      if (yi.data[i] >= facts.classes) {
        throw new PluginInputError(`${files[labels].path}: label ${yi.data[i]} at index ${i} is not below classes (${facts.classes})`, files[labels].param);
      }
      y[i] = yi.data[i];
    }
    return { count, x, y, codes };
  };
  return { facts, train: await split('trainImages', 'trainLabels'), test: await split('testImages', 'testLabels') };
}
