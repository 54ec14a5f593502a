import type { JsonSchema } from '../registry/registry.js';
import type { Registries, RegistryKind } from '../registry/index.js';
import { DEFAULT_MEMORY_MB } from './estimate.js';

/**
 * The largest seed: the PRNG (src/util/random.ts) folds a seed to 32 bits, so 2^32 would give the
 * same numbers as 1. Every seed a schema accepts stops here.
 */
export const MAX_SEED = 4294967295;

/** The schema of one plugin reference, given how plugin specs of that slot look. */
export type RefSchema = (kind: RegistryKind, extraKeys?: Record<string, JsonSchema>) => JsonSchema;

/** Keys an optimizer spec has besides its params. */
export const optimizerSpecKeys = (ref: RefSchema): Record<string, JsonSchema> => ({
  name: { type: 'string', minLength: 1, maxLength: 100, description: 'Label in charts and tables; its slug names the trial (default: the type)' },
  schedule: { ...ref('schedules'), description: 'Learning-rate schedule, stepped per epoch or per step as torch.optim.lr_scheduler' },
});

/** Keys a dataset spec has besides its params. */
export const datasetSpecKeys = (ref: RefSchema): Record<string, JsonSchema> => ({
  transforms: { type: 'array', items: ref('transforms'), default: [], description: 'Applied in order, once, when the data loads' },
  validation: {
    type: 'object',
    properties: {
      fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Share of the training set held out (seeded, stratified by class)' },
      seed: { type: 'integer', minimum: 0, maximum: MAX_SEED, default: 0, description: 'Seed of the hold-out (the same for every trial)' },
    },
    required: ['fraction'],
    additionalProperties: false,
    description: 'Hold out part of the training set; its loss and accuracy are measured every epoch (valLoss, valAccuracy)',
  },
});

/** Keys a layer spec has besides its params. */
export const layerSpecKeys = (): Record<string, JsonSchema> => ({
  trainable: { type: 'boolean', default: true, description: 'false: the layer keeps its weights (initial or from model.init) and the optimizer leaves them alone (fine-tuning)' },
});

/** The names of those keys, which are not plugin params. */
export const OPTIMIZER_SPEC_KEYS = Object.keys(optimizerSpecKeys(() => ({})));
export const DATASET_SPEC_KEYS = Object.keys(datasetSpecKeys(() => ({})));
export const LAYER_SPEC_KEYS = Object.keys(layerSpecKeys());

/**
 * The experiment file's shape, with each plugin slot filled in by `ref`: loose refs for the
 * first validation pass (params are checked per plugin after), full if/then refs for editors.
 */
export function experimentShape(ref: RefSchema): JsonSchema {
  return {
    type: 'object',
    properties: {
      name: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
        maxLength: 100,
        description: 'Experiment name: names the run directory (letters, digits, . _ -)',
      },
      description: { type: 'string', default: '', description: 'One line for reports' },
      plugins: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: [],
        description: 'ES modules that add plugins (paths relative to this file)',
      },
      dataset: ref('datasets', datasetSpecKeys(ref)),
      model: {
        type: 'object',
        properties: {
          layers: { type: 'array', minItems: 1, items: ref('layers', layerSpecKeys()), description: 'Layers in order, input to output; layers[i] is module i of a torch nn.Sequential' },
          init: {
            type: 'object',
            properties: {
              weights: {
                type: 'string',
                minLength: 1,
                description: "Initial weights instead of the seed's: a .safetensors file with torch's state_dict names (1.weight [out, in], 1.bias for a dense layer at index 1) or a trainyard bundle's weights.json; relative to this file",
              },
            },
            required: ['weights'],
            additionalProperties: false,
            description: 'Where the initial weights come from (default: drawn from each seed, as torch.nn.Linear)',
          },
        },
        required: ['layers'],
        additionalProperties: false,
      },
      loss: ref('losses'),
      optimizers: {
        type: 'array',
        minItems: 1,
        items: ref('optimizers', optimizerSpecKeys(ref)),
        description: 'Each optimizer trains its own copy of the model from the same initial weights',
      },
      metrics: {
        type: 'array',
        minItems: 1,
        items: ref('metrics'),
        description: 'Measured on the test (and validation) set after every epoch; default by task: classification [loss, accuracy], reconstruction [loss, mse, psnr, ssim], regression [loss, mse]',
      },
      task: {
        enum: ['classification', 'reconstruction', 'regression'],
        description: 'What the model learns; default: inferred from the loss (class labels: classification) and the data (addNoise: reconstruction, value columns: regression). Decides the default metrics',
      },
      training: {
        type: 'object',
        properties: {
          epochs: { type: 'integer', minimum: 1, maximum: 100000, default: 10, description: 'Passes over the training set' },
          batchSize: { type: 'integer', minimum: 1, maximum: 1000000, default: 100, description: 'Samples per training step' },
          shuffle: { type: 'boolean', default: true, description: 'Reshuffle the training set every epoch (seeded by the trial seed)' },
          evalBatchSize: { type: 'integer', minimum: 1, maximum: 1000000, default: 1000, description: 'Samples per evaluation batch (larger is faster)' },
          divergeAbove: { type: 'number', exclusiveMinimum: 0, description: 'Mark a trial diverged when its training loss exceeds this (NaN and infinity always do)' },
          order: {
            type: 'string',
            minLength: 1,
            description: 'A .npy file of int32 [epochs, trainSize] training-sample indices: the batches of each epoch in this order instead of a seeded shuffle (a torch script can save its randperms); relative to this file',
          },
          logEvery: { type: 'integer', minimum: 0, default: 0, description: 'Emit the training loss every N steps (0: only per epoch; reading it back is slow)' },
          clipGradNorm: { type: 'number', exclusiveMinimum: 0, description: 'Scale the gradients so that their overall L2 norm is at most this (torch.nn.utils.clip_grad_norm_)' },
          clipGradValue: { type: 'number', exclusiveMinimum: 0, description: 'Clamp every gradient value to [-v, v] (torch.nn.utils.clip_grad_value_)' },
          earlyStopping: {
            type: 'object',
            properties: {
              metric: { type: 'string', minLength: 1, default: 'testLoss', description: 'Epoch figure to watch: trainLoss, testLoss, testAccuracy, valLoss, valAccuracy' },
              mode: { enum: ['min', 'max'], description: 'Whether lower (min) or higher (max) is better (default: max for an accuracy, min otherwise)' },
              patience: { type: 'integer', minimum: 1, default: 5, description: 'Epochs without improvement before the trial stops' },
              minDelta: { type: 'number', minimum: 0, default: 0, description: 'Smallest change that counts as an improvement' },
              restoreBest: { type: 'boolean', default: false, description: "At the end, evaluate the best epoch's weights and report them as the final figures" },
            },
            additionalProperties: false,
            description: 'Stop a trial when the watched figure stops improving; a stopped trial is ok',
          },
          samples: {
            type: 'object',
            properties: {
              images: { type: 'integer', minimum: 0, maximum: 64, default: 8, description: 'Test images in each grid (the first of the test set; 0: no grids)' },
              every: { type: 'integer', minimum: 1, default: 1, description: 'A grid every N epochs (and after the last)' },
            },
            additionalProperties: false,
            description: 'Reconstruction tasks: a PNG grid per trial of noisy inputs, reconstructions and clean targets, samples/<trial id>/epoch-<N>.png, shown in the report',
          },
        },
        additionalProperties: false,
        default: {},
      },
      seeds: {
        if: { type: 'object' },
        then: {
          type: 'object',
          properties: {
            count: { type: 'integer', minimum: 1, maximum: 100000, description: 'How many seeds' },
            start: { type: 'integer', minimum: 0, maximum: MAX_SEED, default: 0, description: 'The first seed; the others follow it (start, start + 1, ...)' },
          },
          required: ['count'],
          additionalProperties: false,
        },
        else: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'integer', minimum: 0, maximum: MAX_SEED },
        },
        default: [0],
        description: 'One trial per seed and optimizer (and sweep point): a list of seeds, or {count, start}; a seed sets initial weights and batch order',
      },
      sweep: {
        type: 'object',
        properties: {
          grid: {
            type: 'object',
            additionalProperties: { type: 'array', minItems: 1 },
            description: "Every combination of the lists, keyed by --set paths ('optimizers[*].lr', 'training.batchSize'); write them in block style",
          },
          list: {
            type: 'array',
            minItems: 1,
            items: { type: 'object', minProperties: 1 },
            description: 'Points given one by one, each a mapping of --set paths to values',
          },
          random: {
            type: 'object',
            properties: {
              count: { type: 'integer', minimum: 1, maximum: 100000, description: 'Points drawn' },
              seed: { type: 'integer', minimum: 0, maximum: MAX_SEED, default: 0, description: 'Seed of the draws' },
              params: {
                type: 'object',
                additionalProperties: {
                  type: 'object',
                  properties: {
                    logUniform: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, description: '[low, high], both > 0: uniform in log space' },
                    uniform: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, description: '[low, high]' },
                    choice: { type: 'array', minItems: 1, description: 'One of these values' },
                  },
                  additionalProperties: false,
                },
                description: 'Per --set path: {logUniform: [lo, hi]}, {uniform: [lo, hi]} or {choice: [...]}; draws are rounded to 3 significant digits',
              },
            },
            required: ['count', 'params'],
            additionalProperties: false,
          },
        },
        additionalProperties: false,
        description: 'Values to try: grid, list or random (one of them); each point gives each trial its own config',
      },
      select: {
        type: 'object',
        properties: {
          metric: { type: 'string', minLength: 1, description: 'Epoch figure that picks each optimizer\'s best sweep point (a validation figure: valAccuracy, valLoss)' },
          mode: { enum: ['min', 'max'], description: 'Whether lower or higher is better (default: min for losses and errors, max otherwise)' },
        },
        required: ['metric'],
        additionalProperties: false,
        description: "How a sweep's best point is chosen per optimizer (default with a validation split: valAccuracy, or valLoss)",
      },
      targets: {
        type: 'object',
        properties: {
          metric: { type: 'string', minLength: 1, description: 'Epoch figure, e.g. testAccuracy' },
          values: { type: 'array', minItems: 1, items: { type: 'number' }, description: 'Values to reach' },
          mode: { enum: ['min', 'max'], description: 'Reached at or above (max) or at or below (min) the value (default: min for losses and errors, max otherwise)' },
        },
        required: ['metric', 'values'],
        additionalProperties: false,
        description: 'Time to target: epochs and seconds until each value, per trial, and the fraction of each group that got there',
      },
      report: {
        type: 'object',
        properties: { band: { enum: ['ci95', 'minmax'], default: 'ci95', description: 'The band around a mean over seeds: a bootstrap 95% interval of the mean, or min to max' } },
        additionalProperties: false,
        default: {},
        description: 'How reports draw studies',
      },
      backend: { ...ref('backends'), default: 'auto', description: 'TF.js backend: auto picks the fastest that loads' },
      limits: {
        type: 'object',
        properties: {
          memoryMB: {
            type: 'integer',
            minimum: 1,
            maximum: 16777216,
            default: DEFAULT_MEMORY_MB,
            description: 'The most memory (MB of peak RSS) a run may need by its estimate: the process once (Node, TF.js, the data), plus each worker thread with its largest trial. A plan that cannot fit with one worker is refused; the default worker count shrinks to what fits; --workers N beyond it is refused',
          },
          maxTrials: { type: 'integer', minimum: 1, maximum: 1000000, default: 1000, description: 'The most trials a run may have (seeds x optimizers x sweep points)' },
        },
        additionalProperties: false,
        default: {},
        description: 'Resource limits, checked when the plan is made and again once the backend has loaded (before any data is loaded)',
      },
    },
    required: ['name', 'dataset', 'model', 'loss', 'optimizers'],
    additionalProperties: false,
  };
}

/** First pass: a plugin slot is a name or a mapping with a string `type`; params are checked per plugin. */
export const looseRef: RefSchema = (_kind, extraKeys = {}) => ({
  type: ['string', 'object'],
  minLength: 1,
  if: { type: 'object' },
  then: { required: ['type'], properties: { type: { type: 'string', minLength: 1 }, ...extraKeys } },
});
