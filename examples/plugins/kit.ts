// One plugin of every kind, in TypeScript, with the types of the public API (`import ... from
// 'trainyard'`). An experiment names this file in `plugins: [./kit.ts]`: trainyard loads .ts
// modules itself (through tsx), with no build step. See kit-experiment.yaml beside it.
//
// Never import TensorFlow.js here: `create` and `load` receive it as `tf`, so the module loads (and
// the experiment validates) without it, and worker threads import this same file.
import {
  defineBackend,
  defineDataset,
  defineLayer,
  defineLoss,
  defineMetric,
  defineOptimizer,
  defineSchedule,
  defineTransform,
  PluginInputError,
  type LoadedData,
  type Split,
} from 'trainyard';

/** A layer: swish, x · sigmoid(βx) (torch.nn.SiLU for β = 1). No tensors, so no torch names. */
export const swish = defineLayer<{ beta: number }>({
  type: 'kitSwish',
  summary: 'Swish activation x * sigmoid(beta * x); beta 1 is torch.nn.SiLU',
  params: { type: 'object', properties: { beta: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Slope of the gate' } }, additionalProperties: false },
  outputShape: (_p, inputShape) => inputShape,
  create: ({ beta }, { tf }) => ({ variables: [], apply: (x) => tf.mul(x, tf.sigmoid(tf.mul(x, beta))) }),
});

/** A loss: Huber (torch.nn.HuberLoss, mean over elements) against one-hot class targets. */
export const huber = defineLoss<{ delta: number }>({
  type: 'kitHuber',
  summary: 'Huber loss, as torch.nn.HuberLoss (class labels become one-hot targets)',
  params: { type: 'object', properties: { delta: { type: 'number', exclusiveMinimum: 0, default: 1 } }, additionalProperties: false },
  target: 'value',
  create: ({ delta }, { tf }) => (output, target) => tf.losses.huberLoss(target, output, undefined, delta) as ReturnType<typeof tf.scalar>,
});

/** An optimizer: signSGD, param -= lr · sign(grad) (state-free). */
export const signSgd = defineOptimizer<{ lr: number }>({
  type: 'kitSignSgd',
  summary: 'signSGD: each parameter moves by lr against the sign of its gradient',
  params: { type: 'object', properties: { lr: { type: 'number', exclusiveMinimum: 0, default: 0.001 } }, additionalProperties: false },
  create: (_p, { tf }) => {
    let steps = 0;
    return {
      step(params, grads, lr) {
        tf.tidy(() => params.forEach((p, i) => p.assign(tf.sub(p, tf.mul(tf.sign(grads[i]!), lr)))));
        steps++;
      },
      getState: async () => ({ step: steps, buffers: {} }),
      setState: (state) => void (steps = state.step),
      dispose: () => {},
    };
  },
  memory: { stateBuffers: () => 0, stepCopies: () => 4 },
});

/** A schedule: halve the lr every `every` epochs. */
export const halving = defineSchedule<{ every: number }>({
  type: 'kitHalving',
  summary: 'Halves the lr every `every` epochs',
  params: { type: 'object', properties: { every: { type: 'integer', minimum: 1, default: 1 } }, required: [], additionalProperties: false },
  create: ({ every }, { baseLr }) => {
    let epoch = 0;
    return {
      interval: 'epoch',
      lr: () => baseLr * 0.5 ** Math.floor(epoch / every),
      advance: () => void epoch++,
      getState: () => epoch,
      setState: (state) => void (epoch = Number(state)),
    };
  },
});

/** A metric: top-2 accuracy (recorded as testTop2, valTop2). */
export const top2 = defineMetric<Record<string, never>>({
  type: 'kitTop2',
  summary: 'Fraction of samples whose true class is among the two highest scores',
  params: { type: 'object', properties: {}, additionalProperties: false },
  key: 'top2',
  create: (_p, { tf }) => ({
    batchSum: (output, _target, labels) =>
      tf.tidy(() => {
        const { indices } = tf.topk(output, 2);
        const hit = tf.any(tf.equal(indices, tf.expandDims(tf.cast(labels, 'int32'), 1)), 1);
        return tf.sum(tf.cast(hit, 'float32')) as ReturnType<typeof tf.scalar>;
      }),
  }),
});

/** A transform: clamp every input value to [min, max]. */
export const clamp = defineTransform<{ min: number; max: number }>({
  type: 'kitClamp',
  summary: 'Clamps every input value to [min, max]',
  params: { type: 'object', properties: { min: { type: 'number', default: 0 }, max: { type: 'number', default: 1 } }, additionalProperties: false },
  check: ({ min, max }) => (min < max ? [] : [{ path: 'max', message: `must be above min (${min})` }]),
  apply: ({ min, max }, split) => ({ ...split, x: split.x.map((v) => Math.min(max, Math.max(min, v))) }),
});

/** A dataset: two noisy Gaussian blobs of `features` values, seeded. */
export const blobs = defineDataset<{ trainSize: number; testSize: number; features: number; seed: number }>({
  type: 'kitBlobs',
  summary: 'Two Gaussian blobs (classes 0 and 1), generated from a seed',
  params: {
    type: 'object',
    properties: {
      trainSize: { type: 'integer', minimum: 1, default: 200 },
      testSize: { type: 'integer', minimum: 1, default: 50 },
      features: { type: 'integer', minimum: 1, default: 4 },
      seed: { type: 'integer', minimum: 0, default: 0 },
    },
    additionalProperties: false,
  },
  inspect: async ({ trainSize, testSize, features }) => ({ sampleShape: [features], classes: 2, trainSize, testSize, source: 'generated (kitBlobs)' }),
  async load(p): Promise<LoadedData> {
    if (p.features > 4096) throw new PluginInputError('at most 4096 features', 'features');
    let state = p.seed + 1;
    const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const split = (count: number): Split => {
      const x = new Float32Array(new SharedArrayBuffer(count * p.features * 4));
      const y = new Uint8Array(new SharedArrayBuffer(count));
      for (let i = 0; i < count; i++) {
        y[i] = i % 2;
        for (let f = 0; f < p.features; f++) x[i * p.features + f] = (y[i] ? 1 : -1) + gauss();
      }
      return { count, x, y };
    };
    return { facts: await blobs.inspect(p, { baseDir: '' }), train: split(p.trainSize), test: split(p.testSize) };
  },
});

/** A backend: plain JavaScript under another name, showing what a backend provides (auto never picks it: no priority). */
export const jsCpu = defineBackend<Record<string, never>>({
  type: 'kitCpu',
  summary: "TF.js's cpu backend under another name",
  params: { type: 'object', properties: {}, additionalProperties: false },
  device: 'cpu',
  parallelTrials: (cores) => cores + 1,
  async load({ backends }) {
    const loaded = await backends.get('cpu').load({ backends });
    return { ...loaded, name: 'kitCpu' };
  },
});

export default [swish, huber, signSgd, halving, top2, clamp, blobs, jsCpu];
