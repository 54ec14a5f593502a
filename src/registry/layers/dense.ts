import { defineLayer, type TF, type Tensor } from '../kinds.js';
import { kernelsFor } from '../../kernels/index.js';

export type DenseActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

export interface DenseParams {
  units: number;
  activation: DenseActivation;
  useBias: boolean;
}

/** Uniform in ±1/sqrt(fanIn), as torch.nn.Linear initialises both weight and bias. */
function initUniform(count: number, fanIn: number, random: () => number): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (random() * 2 - 1) * bound;
  return values;
}

function activate(tf: TF, z: Tensor, activation: DenseActivation): Tensor {
  switch (activation) {
    case 'relu':
      return tf.relu(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'tanh':
      return tf.tanh(z);
    default:
      return z;
  }
}

/** dLoss/dz from dLoss/dy and the activation's output y. */
function activationGrad(tf: TF, dy: Tensor, y: Tensor, activation: DenseActivation): Tensor {
  switch (activation) {
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(y)));
    default:
      return dy;
  }
}

export default defineLayer<DenseParams>({
  type: 'dense',
  summary: 'Fully connected layer y = act(x W + b), initialised as torch.nn.Linear',
  params: {
    type: 'object',
    properties: {
      units: { type: 'integer', minimum: 1, maximum: 1048576, description: 'Output width (torch out_features)' },
      activation: { enum: ['linear', 'relu', 'sigmoid', 'tanh'], default: 'linear', description: 'Activation applied to the output' },
      useBias: { type: 'boolean', default: true, description: 'Add a learned bias (torch bias)' },
    },
    required: ['units'],
    additionalProperties: false,
  },
  outputShape({ units }, inputShape) {
    if (inputShape.length !== 1) {
      throw new Error(`dense expects flat samples but gets shape [${inputShape.join(', ')}]; put a flatten layer before it`);
    }
    return [units];
  },
  parameters({ units, useBias }, inputShape) {
    return inputShape[0] * units + (useBias ? units : 0);
  },
  // A linear layer followed by a relu layer is this layer with a ReLU, which rides in its kernels.
  fuse: (params, next) => ((params.activation ?? 'linear') === 'linear' && next.type === 'relu' ? { ...params, activation: 'relu' } : undefined),
  // torch.nn.Linear keeps its weight as [out, in]: the kernel [in, out] is its transpose.
  torch: ({ units, useBias }, inputShape) => [
    { name: 'weight', shape: [units, inputShape[0]!], from: 'variables', index: 0, permute: [1, 0] },
    ...(useBias ? [{ name: 'bias', shape: [units], from: 'variables' as const, index: 1 }] : []),
  ],
  tfjsLayer: ({ units, activation, useBias }, { tf }) => tf.layers.dense({ units, activation, useBias }),
  create({ units, activation, useBias }, { tf, inputShape, random, inputNeedsGrad }) {
    const fanIn = inputShape[0];
    // The Variable shares the initial tensor's data; tidy drops the extra handle.
    const kernel = tf.tidy(() => tf.variable(tf.tensor2d(initUniform(fanIn * units, fanIn, random), [fanIn, units]), true));
    const bias = useBias ? tf.tidy(() => tf.variable(tf.tensor1d(initUniform(units, fanIn, random)), true)) : null;

    // The backend's kernels are looked up on every call, from the backend active then: a layer
    // outlives a tf.setBackend. The bias (and a ReLU) ride in the product's kernel: one pass over
    // the output instead of three.
    const forward = (x: Tensor, w: Tensor, b: Tensor | null): Tensor => {
      const relu = activation === 'relu';
      const { denseForward } = kernelsFor(tf);
      const z = denseForward
        ? denseForward(x, w, b, relu)
        : tf.fused.matMul({ a: x as never, b: w as never, ...(b ? { bias: b } : {}), activation: relu ? 'relu' : 'linear' });
      return relu ? z : activate(tf, z, activation);
    };
    /** [dx?, dW, db?], as customGrad wants them for its inputs. */
    const backward = (dy: Tensor, x: Tensor, y: Tensor): Tensor[] => {
      const { denseBackward } = kernelsFor(tf);
      const relu = activation === 'relu' && denseBackward !== undefined;
      const dz = relu ? dy : activationGrad(tf, dy, y, activation);
      const { dx, dw, db } = denseBackward
        ? denseBackward({ dy: dz, x, y, w: kernel, relu, bias: bias !== null, inputGrad: inputNeedsGrad })
        : { dw: tf.matMul(x, dz, true, false), db: bias ? tf.sum(dz, 0) : null, dx: inputNeedsGrad ? tf.matMul(dz, kernel, false, true) : null };
      return [...(dx ? [dx] : []), dw, ...(db ? [db] : [])];
    };

    const variables = bias ? [kernel, bias] : [kernel];
    const apply = (x: Tensor): Tensor => {
      // The first trainable layer's input is data: its gradient is not computed at all.
      const inputs = inputNeedsGrad ? [x, ...variables] : variables;
      const op = tf.customGrad(((...args: unknown[]) => {
        const save = args[args.length - 1] as (t: Tensor[]) => void;
        const y = forward(x, kernel, bias);
        // Intermediates of the forward pass are freed before the backward one unless saved.
        save([x, y]);
        return {
          value: y,
          gradFunc: (dy: Tensor, [sx, sy]: Tensor[]) => backward(dy, sx!, sy!),
        };
      }) as never) as unknown as (...t: Tensor[]) => Tensor;
      return op(...inputs);
    };

    return { variables, apply };
  },
});
