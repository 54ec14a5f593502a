// trainyard's public API, for plugin authors: `import { defineLayer } from 'trainyard'`.
// What is exported here is public and kept stable across minor versions; every other module of
// the package is internal and may change. Loading this module loads no TensorFlow.js: plugins get
// it as `ctx.tf` when they create their runtime objects.
export {
  defineBackend,
  defineDataset,
  defineLayer,
  defineLoss,
  defineMetric,
  defineOptimizer,
  defineSchedule,
  defineTransform,
  figureName,
  PluginInputError,
} from './registry/kinds.js';
// A split's inputs may be bytes with codes (Split.x, codes): read them through these.
export { codesOf, decodedSplit, decodeInto, isCoded, rowValues, scaledCodes } from './util/split-values.js';

export type {
  // one per kind, with the params type P
  BackendPlugin,
  DatasetPlugin,
  LayerPlugin,
  LossPlugin,
  MetricPlugin,
  OptimizerPlugin,
  SchedulePlugin,
  TransformPlugin,
  // what their functions get and give
  BackendAttempt,
  DataFacts,
  DatasetContext,
  LayerContext,
  LayerRuntime,
  LoadedBackend,
  LoadedData,
  LossFn,
  MemoryProfile,
  MetricRuntime,
  MetricSplit,
  OptimizerMemory,
  OptimizerRuntime,
  OptimizerState,
  ParamProblem,
  Params,
  PluginKindName,
  PluginSpec,
  ScheduleContext,
  ScheduleInterval,
  ScheduleRuntime,
  Split,
  TargetKind,
  TensorStore,
  TF,
  Tensor,
  TfjsLayerContext,
  TorchTensor,
  Variable,
} from './registry/kinds.js';
export type { JsonSchema, ParamsSchema, PluginBase } from './registry/registry.js';
export type { RegistriesFacade, RegistryFacade } from './registry/modules-facade.js';
