import { access, stat, statfs } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PluginInputError, type DataFacts } from '../registry/kinds.js';
import type { Registries } from '../registry/index.js';
import { createSchedule } from '../registry/schedules/create.js';
import { ProblemsError, UserError, type Problem } from '../util/errors.js';
import { fsReason } from '../util/fs-errors.js';
import { estimateMemory, memoryProblem } from './estimate.js';
import type { Experiment } from './types.js';
import { initWeightsProblems, orderProblems } from './inspect-files.js';

export interface InspectOptions {
  /** Directory of the experiment file: relative paths in it resolve here. */
  baseDir: string;
}

/**
 * Reads what the config names (dataset headers, not pixels) and runs the checks that need those
 * facts: model output width vs classes, batch size vs training-set size, the memory estimate vs
 * limits.memoryMB.
 */
export async function inspect(config: Experiment, registries: Registries, options: InspectOptions): Promise<DataFacts> {
  const { type, transforms: _t, validation: _v, ...params } = config.dataset;
  let loaded: DataFacts;
  try {
    loaded = await registries.datasets.get(type).inspect(params, { baseDir: options.baseDir });
  } catch (error) {
    const param = error instanceof PluginInputError && error.param ? [error.param] : [];
    throw new ProblemsError([{ path: ['dataset', ...param], message: `dataset '${type}': ${(error as Error).message}` }]);
  }
  const facts = dataFacts(config, registries, loaded);

  const problems: Problem[] = [];
  let shape = facts.sampleShape;
  let trainable = 0;
  let frozen = 0;
  for (const [i, layer] of config.model.layers.entries()) {
    // `trainable` is a key of the layer spec, not a param of the plugin.
    const { type: layerType, trainable: trains, ...layerParams } = layer;
    try {
      const plugin = registries.layers.get(layerType);
      const parameters = plugin.parameters?.(layerParams, shape) ?? 0;
      if (trains === false) frozen += parameters;
      else trainable += parameters;
      shape = plugin.outputShape(layerParams, shape);
    } catch (error) {
      const message = (error as Error).message;
      problems.push({ path: ['model', 'layers', i], message: message.startsWith(layerType) ? message : `${layerType}: ${message}` });
      shape = [];
      break;
    }
  }
  if (frozen > 0 && trainable === 0 && shape.length > 0) {
    const first = config.model.layers.findIndex((l) => l.trainable === false);
    problems.push({ path: ['model', 'layers', first, 'trainable'], message: 'every layer with parameters is frozen (trainable: false): the optimizers would have nothing to train' });
  }
  const loss = registries.losses.get(config.loss.type);
  const last = config.model.layers.length - 1;
  const lastPath = 'units' in config.model.layers[last] ? ['model', 'layers', last, 'units'] : ['model', 'layers', last];
  const got = `the model gives [${shape.join(', ')}] per sample but loss '${loss.type}'`;
  if (loss.target === 'class' && facts.classes < 2) {
    problems.push({ path: ['loss'], message: `loss '${loss.type}' compares the output with class labels, but the dataset has value targets: use mse or l1` });
  } else if (loss.target === 'value' && facts.targetShape) {
    const width = facts.targetShape.reduce((a, b) => a * b, 1);
    // An image output compares with flat targets of its size (the loss sees the output in the targets' shape).
    if (shape.length > 0 && shape.reduce((a, b) => a * b, 1) !== width) {
      problems.push({ path: lastPath, message: `${got} compares it with targets of [${facts.targetShape.join(', ')}]: the last layer needs ${width} units` });
    }
  } else if (shape.length > 0 && (shape.length !== 1 || shape[0] !== facts.classes)) {
    problems.push({
      path: lastPath,
      message:
        `${got} compares it with ` +
        (loss.target === 'class' ? `one score per class` : `one-hot class targets`) +
        `: the dataset has ${facts.classes} classes, so the last layer needs ${facts.classes} units`,
    });
  }
  const held = facts.validationSize;
  if (held !== undefined && (held === 0 || facts.trainSize === 0)) {
    problems.push({
      path: ['dataset', 'validation', 'fraction'],
      message: `holds out ${held} of ${held + facts.trainSize} training samples; both parts must keep at least one`,
    });
  }
  // A hold-out that leaves no training samples is reported above; a batch size larger than nothing would only repeat it.
  if (config.training.batchSize > facts.trainSize && !(held !== undefined && facts.trainSize === 0)) {
    problems.push({
      path: ['training', 'batchSize'],
      message: `must be at most the training-set size (got ${config.training.batchSize}; the training set has ${facts.trainSize} samples)`,
    });
  }
  // Schedules need the run's length (oneCycle's totalSteps): build each once to find what cannot run.
  const stepsPerEpoch = Math.ceil(facts.trainSize / config.training.batchSize);
  config.optimizers.forEach((o, i) => {
    if (!o.schedule || facts.trainSize === 0) return;
    try {
      createSchedule(registries, o.schedule, { baseLr: Number(o.lr), epochs: config.training.epochs, stepsPerEpoch });
    } catch (error) {
      const message = (error as Error).message;
      problems.push({ path: ['optimizers', i, 'schedule'], message: message.startsWith(o.schedule.type) ? message : `${o.schedule.type}: ${message}` });
    }
  });
  if (problems.length === 0) {
    problems.push(...(await initWeightsProblems(config, registries, facts, options.baseDir)));
    problems.push(...(await orderProblems(config, facts, options.baseDir)));
  }
  if (problems.length > 0) throw new ProblemsError(problems);
  // The resource guard, once the shapes are known to fit.
  const tooLarge = memoryProblem(config, registries, facts, estimateMemory(config, registries, facts));
  if (tooLarge) throw new ProblemsError([tooLarge]);
  return facts;
}

/** The facts after the dataset's transforms and validation hold-out (pure: plugins' facts functions). */
export function dataFacts(config: Experiment, registries: Registries, loaded: DataFacts): DataFacts {
  let facts = loaded;
  for (const { type, ...params } of config.dataset.transforms) facts = registries.transforms.get(type).facts?.(params, facts) ?? facts;
  // What an image metric (ssim) and the sample grids need once a transform has flattened the images.
  if (loaded.sampleShape.length >= 2 && facts.sampleShape.join() !== loaded.sampleShape.join()) facts = { ...facts, imageShape: loaded.sampleShape };
  const validation = config.dataset.validation;
  if (validation) {
    const validationSize = Math.round(facts.trainSize * validation.fraction);
    facts = { ...facts, trainSize: facts.trainSize - validationSize, validationSize };
  }
  return facts;
}

/** File systems that hold no files of ours: the kernel's views (/proc, /sys) and devices. */
const SPECIAL_FILE_SYSTEMS: Record<number, string> = { 0x9fa0: 'proc', 0x62656572: 'sysfs', 0x1373: 'devfs', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2', 0x64626720: 'debugfs', 0x74726163: 'tracefs', 0x73636673: 'securityfs' };

/**
 * Whether runs can be written under `root` (and under `root`/`experiment`, when given: a regular file
 * there blocks the run directory too), checked before any training; nothing is created.
 */
export async function checkOutputRoot(root: string, flag: string, experiment?: string, what = 'runs'): Promise<void> {
  const refuse = (why: string): never => {
    throw new UserError(`${flag}: cannot write ${what} under ${root}: ${why}`);
  };
  let existing = resolve(root, experiment ?? '.');
  for (;;) {
    const info = await stat(existing).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' || error.code === 'ENOTDIR' ? undefined : refuse(`${existing} ${fsReason(error)}`)));
    if (info) {
      if (!info.isDirectory()) refuse(`${existing} is a file, not a directory`);
      break;
    }
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  const kind = await statfs(existing).then(
    (s) => SPECIAL_FILE_SYSTEMS[Number(s.type)],
    () => undefined,
  );
  if (kind) refuse(`${existing} is on the kernel's ${kind} file system, which holds no files of ours`);
  await access(existing, constants.W_OK).catch((error: NodeJS.ErrnoException) => refuse(`${existing} ${fsReason(error)}`));
}
