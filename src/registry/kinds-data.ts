// The data kinds (datasets and transforms) and the shapes of loaded data: their own file, re-exported by kinds.ts.
import type { Plugin } from './kinds.js';
import type { Task } from './kinds-metric.js';

// ---- datasets -------------------------------------------------------------------------------

/** What inspect learns about a dataset without reading its pixels. */
export interface DataFacts {
  /** Shape of one sample, channels first as torch has it, e.g. [1, 28, 28]. */
  sampleShape: number[];
  /** Number of classes of the labels (0..classes-1). */
  classes: number;
  trainSize: number;
  testSize: number;
  /** Where the data comes from, for people (a package name or a directory). */
  source: string;
  /**
   * Shape of one target when the data has value targets (regression columns, or the clean input
   * of a denoising autoencoder); absent when the targets are the class labels.
   */
  targetShape?: number[];
  /** Shape of one sample before a transform flattened it (e.g. [1, 28, 28]); absent when the samples keep their shape. */
  imageShape?: number[];
  /** Samples held out of the training set for validation (0 or absent: none). */
  validationSize?: number;
  /** Things people should know that are not errors, e.g. that the data is not here yet and run will download it. */
  notes?: string[];
}

/** One split as flat typed arrays (backed by SharedArrayBuffer, so worker threads share them). */
export interface Split {
  count: number;
  /**
   * count × prod(sampleShape) inputs: the values as float32, or bytes whose values are `codes`
   * (an image file's pixels, a quarter of the memory; batches decode their rows). Read them
   * through util/split-values.ts (decodeInto, rowValues, decodedSplit).
   */
  x: Float32Array | Uint8Array;
  /** With byte inputs: the float32 value of each of the 256 bytes (absent: each byte its own value). */
  codes?: Float32Array;
  /** count class labels. */
  y: Uint8Array;
  /** count × prod(targetShape) value targets, when facts.targetShape is set. */
  target?: Float32Array;
}

export interface LoadedData {
  facts: DataFacts;
  train: Split;
  test: Split;
  /** Held out of the training set when the dataset spec asks for validation. */
  validation?: Split;
}

export interface DatasetContext {
  /** Directory of the experiment file; relative paths in params resolve against it. */
  baseDir: string;
}

export interface DatasetPlugin<P = any> extends Plugin<P> {
  /** The task its params imply (csv with value columns: regression); absent: classification. Pure. */
  task?(params: P): Task | undefined;
  /** Reads headers only: shapes, counts, classes. Throws DataError for missing or malformed data. */
  inspect(params: P, ctx: DatasetContext): Promise<DataFacts>;
  /** Reads the samples into shared typed arrays. */
  load(params: P, ctx: DatasetContext): Promise<LoadedData>;
}

// ---- transforms (applied once, after a dataset loads) ------------------------------------------

export interface TransformPlugin<P = any> extends Plugin<P> {
  /** How the transform changes the data's facts (shape, targets); pure, inspect uses it. */
  facts?(params: P, facts: DataFacts): DataFacts;
  /** The task its targets make (addNoise: reconstruction; oneHot: classification); see config/task.ts. */
  task?: Task;
  /**
   * True when apply takes a split with byte inputs as it is (and keeps what it returns coded or
   * decodes it itself); otherwise the inputs are decoded to float32 before apply.
   */
  takesCodedInputs?: boolean;
  /** Transforms one split; `random` is seeded (by the dataset's splitSeed), so noise is reproducible. */
  apply(params: P, split: Split, ctx: { facts: DataFacts; random: () => number }): Split;
}
