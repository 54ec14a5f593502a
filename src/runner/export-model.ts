// A trial's final weights as a model others can use: rebuilt from weights/<trial id>/ (what
// `evaluate` runs), then written as a TF.js layers model (model.json + one weights shard, what
// tf.loadLayersModel opens) or as a torch state_dict in safetensors.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registries } from '../registry/index.js';
import type { TF } from '../registry/kinds.js';
import { encodeSafetensors } from '../util/safetensors.js';
import { Random } from '../util/random.js';
import type { NamedTensor } from './bundle.js';
import type { WeightsMeta } from './checkpoint.js';
import { buildModel, layerParams, type Model } from './model.js';
import { torchStateDict } from './torch-weights.js';

/** Thrown for a model that cannot be written in the format asked for; the message says why. */
export class ExportError extends Error {}

/** The model of a trial's final weights; an ExportError when they do not fit the layers they name. */
export function modelFromFinalWeights(tf: TF, registries: Registries, bundle: { meta: WeightsMeta; tensors: Map<string, NamedTensor> }): Model {
  const model = buildModel(tf, bundle.meta.layers, registries, bundle.meta.sampleShape, new Random(0));
  try {
    for (const [prefix, targets] of [['weights', model.variables], ['state', model.state]] as const) {
      targets.forEach((v, i) => {
        const saved = bundle.tensors.get(`${prefix}/${i}`);
        if (!saved || saved.data.length !== v.size) throw new ExportError(`its final weights do not match the model (${prefix}/${i})`);
        v.assign(tf.tensor(saved.data, v.shape));
      });
    }
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';

/**
 * The same function as a tf.layers Sequential model: an input layer of the sample shape, then each
 * layer's tf.layers equivalent (LayerPlugin.tfjsLayer) given the trained tensors.
 */
export function toLayersModel(tf: TF, registries: Registries, meta: WeightsMeta, model: Model) {
  const sequential = tf.sequential();
  sequential.add(tf.layers.inputLayer({ inputShape: meta.sampleShape }));
  let shape = meta.sampleShape;
  meta.layers.forEach((spec, i) => {
    const plugin = registries.layers.get(spec.type);
    const params = layerParams(spec);
    if (!plugin.tfjsLayer) throw new ExportError(`model.layers[${i}] (${spec.type}) has no tf.layers equivalent, so the model cannot be a TF.js layers model (export --format safetensors keeps every layer)`);
    const layer = plugin.tfjsLayer(params, { tf, inputShape: shape });
    sequential.add(layer);
    const runtime = model.layers[i];
    const tensors = runtime ? [...runtime.variables, ...(runtime.state ?? [])] : [];
    if (tensors.length > 0 || layer.weights.length > 0) layer.setWeights(tensors);
    shape = plugin.outputShape(params, shape);
  });
  return sequential;
}

/** Writes DIR/model.json and its weight shard, as tf.io's file handlers lay them out. */
export async function writeLayersModel(tf: TF, sequential: ReturnType<TF['sequential']>, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  await sequential.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const parts = artifacts.weightData === undefined ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
      const bytes = Buffer.concat(parts.map((p) => Buffer.from(p)));
      const manifest = [{ paths: [TFJS_WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }];
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: 'trainyard export',
        weightsManifest: manifest,
      };
      await writeFile(join(outDir, TFJS_WEIGHTS_FILE), bytes);
      await writeFile(join(outDir, 'model.json'), `${JSON.stringify(modelJson)}\n`);
      written.push(join(outDir, 'model.json'), join(outDir, TFJS_WEIGHTS_FILE));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength } };
    }),
  );
  return written;
}

/** Writes DIR/model.safetensors: the torch state_dict of the trained model. */
export async function writeSafetensorsModel(registries: Registries, meta: WeightsMeta, model: Model, outDir: string): Promise<string[]> {
  let state;
  try {
    state = await torchStateDict(model, meta.layers, registries, meta.sampleShape);
  } catch (error) {
    throw new ExportError((error as Error).message);
  }
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, 'model.safetensors');
  await writeFile(file, encodeSafetensors(state, { format: 'pt', trainyard: `${meta.trialId} epoch ${meta.epoch}` }));
  return [file];
}
