import { Registry } from './registry.js';
import type { BackendPlugin, DatasetPlugin, TransformPlugin, LayerPlugin, LossPlugin, MetricPlugin, OptimizerPlugin, SchedulePlugin } from './kinds.js';
import mnistBundled from './datasets/mnist-bundled.js';
import idx from './datasets/idx.js';
import mnist from './datasets/mnist.js';
import fashionMnist from './datasets/fashion-mnist.js';
import kmnist from './datasets/kmnist.js';
import csv from './datasets/csv.js';
import scale from './transforms/scale.js';
import normalize from './transforms/normalize.js';
import flattenTransform from './transforms/flatten.js';
import oneHot from './transforms/one-hot.js';
import addNoise from './transforms/add-noise.js';
import dense from './layers/dense.js';
import flatten from './layers/flatten.js';
import dropout from './layers/dropout.js';
import conv2d from './layers/conv2d.js';
import convTranspose2d from './layers/conv-transpose2d.js';
import { avgPool2d, globalAvgPool2d, maxPool2d } from './layers/pool2d.js';
import batchNorm from './layers/batch-norm.js';
import layerNorm from './layers/layer-norm.js';
import reshape from './layers/reshape.js';
import upsample2d from './layers/upsample2d.js';
import { randomFlip, randomRotation, randomShift } from './layers/augment.js';
import { relu, sigmoid, tanh, softmax, logSoftmax } from './layers/activation.js';
import crossEntropy from './losses/cross-entropy.js';
import nll from './losses/nll.js';
import multiMargin from './losses/multi-margin.js';
import mse from './losses/mse.js';
import l1 from './losses/l1.js';
import smoothL1 from './losses/smooth-l1.js';
import { bce, bceWithLogits } from './losses/bce.js';
import sgd from './optimizers/sgd.js';
import adam from './optimizers/adam.js';
import adamw from './optimizers/adamw.js';
import rmsprop from './optimizers/rmsprop.js';
import adagrad from './optimizers/adagrad.js';
import adadelta from './optimizers/adadelta.js';
import adamax from './optimizers/adamax.js';
import nadam from './optimizers/nadam.js';
import radam from './optimizers/radam.js';
import stepSchedule from './schedules/step.js';
import multiStep from './schedules/multi-step.js';
import exponential from './schedules/exponential.js';
import cosineAnnealing from './schedules/cosine-annealing.js';
import linearWarmup from './schedules/linear-warmup.js';
import oneCycle from './schedules/one-cycle.js';
import reduceOnPlateau from './schedules/reduce-on-plateau.js';
import loss from './metrics/loss.js';
import accuracy from './metrics/accuracy.js';
import { mse as mseMetric, psnr, ssim } from './metrics/image.js';
import auto from './backends/auto.js';
import { tensorflow, tensorflowGpu } from './backends/tensorflow.js';
import wasm from './backends/wasm.js';
import wasmBlas from './backends/wasm-blas.js';
import cpu from './backends/cpu.js';
import webgpu from './backends/webgpu.js';

export interface Registries {
  datasets: Registry<DatasetPlugin>;
  transforms: Registry<TransformPlugin>;
  layers: Registry<LayerPlugin>;
  losses: Registry<LossPlugin>;
  optimizers: Registry<OptimizerPlugin>;
  schedules: Registry<SchedulePlugin>;
  metrics: Registry<MetricPlugin>;
  backends: Registry<BackendPlugin>;
}

export type RegistryKind = keyof Registries;

/** Singular names for messages ("unknown optimizer 'x'"). */
export const KIND_NOUNS: Record<RegistryKind, string> = {
  datasets: 'dataset',
  transforms: 'transform',
  layers: 'layer',
  losses: 'loss',
  optimizers: 'optimizer',
  schedules: 'schedule',
  metrics: 'metric',
  backends: 'backend',
};

/** Fresh registries holding the built-in plugins; user plugins are added to a copy per experiment. */
export function createRegistries(): Registries {
  const registries: Registries = {
    datasets: new Registry<DatasetPlugin>('dataset'),
    transforms: new Registry<TransformPlugin>('transform'),
    layers: new Registry<LayerPlugin>('layer'),
    losses: new Registry<LossPlugin>('loss'),
    optimizers: new Registry<OptimizerPlugin>('optimizer'),
    schedules: new Registry<SchedulePlugin>('schedule'),
    metrics: new Registry<MetricPlugin>('metric'),
    backends: new Registry<BackendPlugin>('backend'),
  };
  [mnistBundled, idx, mnist, fashionMnist, kmnist, csv].forEach((p) => registries.datasets.register(p));
  [scale, normalize, flattenTransform, oneHot, addNoise].forEach((p) => registries.transforms.register(p));
  [flatten, dense, relu, sigmoid, tanh, softmax, logSoftmax, dropout, conv2d, maxPool2d, avgPool2d, globalAvgPool2d, batchNorm, layerNorm, reshape, upsample2d, convTranspose2d, randomShift, randomFlip, randomRotation].forEach((p) => registries.layers.register(p));
  [crossEntropy, nll, multiMargin, mse, l1, smoothL1, bce, bceWithLogits].forEach((p) => registries.losses.register(p));
  [sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, radam].forEach((p) => registries.optimizers.register(p));
  [stepSchedule, multiStep, exponential, cosineAnnealing, linearWarmup, oneCycle, reduceOnPlateau].forEach((p) => registries.schedules.register(p));
  [loss, accuracy, mseMetric, psnr, ssim].forEach((p) => registries.metrics.register(p));
  [auto, tensorflowGpu, webgpu, tensorflow, wasmBlas, wasm, cpu].forEach((p) => registries.backends.register(p));
  return registries;
}
