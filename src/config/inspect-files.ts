// The files an experiment names besides its data: initial weights (model.init.weights) and a batch
// order (training.order). Read here, before anything trains, so that a wrong file is an error at
// its line; the runner reads them again for the values.
import { resolve } from 'node:path';
import type { DataFacts } from '../registry/kinds.js';
import type { Registries } from '../registry/index.js';
import { torchLayout, torchMismatches, unmappedProblem, variableShapes } from '../registry/torch-layout.js';
import { bundleMismatches, readWeightsHeader } from '../util/weights-file.js';
import { readBatchOrder } from '../util/batch-order.js';
import { fsReason } from '../util/fs-errors.js';
import type { Problem } from '../util/errors.js';
import type { Experiment } from './types.js';

const reason = (error: unknown) => ((error as NodeJS.ErrnoException).code ? fsReason(error) : (error as Error).message);

export async function initWeightsProblems(config: Experiment, registries: Registries, facts: DataFacts, baseDir: string): Promise<Problem[]> {
  const name = config.model.init?.weights;
  if (name === undefined) return [];
  const path = ['model', 'init', 'weights'];
  const file = resolve(baseDir, name);
  let header;
  try {
    header = await readWeightsHeader(file);
  } catch (error) {
    return [{ path, message: `cannot read the initial weights: ${(error as NodeJS.ErrnoException).code ? `${file} ${reason(error)}` : reason(error)}` }];
  }
  const layout = torchLayout(config.model.layers, registries, facts.sampleShape);
  if (header.format === 'safetensors') {
    const unmapped = unmappedProblem(layout);
    if (unmapped) return [{ path, message: `${file}: safetensors cannot be read into this model: ${unmapped}` }];
    const mismatches = torchMismatches(layout, header.tensors);
    return mismatches.map((m) => ({ path, message: `${file}: ${m}` }));
  }
  // A bundle's tensors are in the model's own order; without every layer's names the runner checks them against the built model.
  if (layout.unmapped.length > 0) return [];
  return bundleMismatches(variableShapes(layout), header.tensors, variableShapes(layout, 'state')).map((m) => ({ path, message: `${file}: ${m}` }));
}

/** The batch order: integers [>= epochs, trainSize], each row's indices within the training set. */
export async function orderProblems(config: Experiment, facts: DataFacts, baseDir: string): Promise<Problem[]> {
  const name = config.training.order;
  if (name === undefined) return [];
  const path = ['training', 'order'];
  const file = resolve(baseDir, name);
  try {
    await readBatchOrder(file, config.training.epochs, facts.trainSize);
    return [];
  } catch (error) {
    return [{ path, message: `cannot use the batch order: ${(error as NodeJS.ErrnoException).code ? `${file} ${reason(error)}` : reason(error)}` }];
  }
}


