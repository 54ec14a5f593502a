import { defineLayer, type LayerPlugin, type TF, type Tensor } from '../kinds.js';

/** A parameter-free elementwise (or per-row) layer: same output shape as input. */
function activationLayer(type: string, summary: string, fn: (tf: TF, x: Tensor) => Tensor): LayerPlugin<Record<string, never>> {
  return defineLayer({
    type,
    summary,
    params: { type: 'object', properties: {}, additionalProperties: false },
    outputShape: (_p, inputShape) => inputShape,
    create: (_p, { tf }) => ({ variables: [], apply: (x) => fn(tf, x) }),
  });
}

export const relu = activationLayer('relu', 'max(0, x), as torch.nn.ReLU', (tf, x) => tf.relu(x));
export const sigmoid = activationLayer('sigmoid', '1 / (1 + exp(-x)), as torch.nn.Sigmoid', (tf, x) => tf.sigmoid(x));
export const tanh = activationLayer('tanh', 'Hyperbolic tangent, as torch.nn.Tanh', (tf, x) => tf.tanh(x));
export const softmax = activationLayer('softmax', 'Softmax over the last axis, as torch.nn.Softmax(dim=-1)', (tf, x) => tf.softmax(x));
export const logSoftmax = activationLayer('logSoftmax', 'Log of softmax over the last axis, as torch.nn.LogSoftmax(dim=-1) (pair with the nll loss)', (tf, x) =>
  tf.logSoftmax(x),
);
