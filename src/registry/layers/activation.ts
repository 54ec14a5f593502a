import { defineLayer, type LayerPlugin, type TF, type Tensor, type TfjsLayerContext } from '../kinds.js';

/** A parameter-free elementwise (or per-row) layer: same output shape as input. */
function activationLayer(type: string, summary: string, fn: (tf: TF, x: Tensor) => Tensor, tfjsName?: 'relu' | 'sigmoid' | 'tanh' | 'softmax'): LayerPlugin<Record<string, never>> {
  return defineLayer<Record<string, never>>({
    type,
    summary,
    params: { type: 'object', properties: {}, additionalProperties: false },
    outputShape: (_p, inputShape) => inputShape,
    ...(tfjsName ? { tfjsLayer: (_p: Record<string, never>, { tf }: TfjsLayerContext) => tf.layers.activation({ activation: tfjsName }) } : {}),
    create: (_p, { tf }) => ({ variables: [], apply: (x) => fn(tf, x) }),
  });
}

export const relu = activationLayer('relu', 'max(0, x), as torch.nn.ReLU', (tf, x) => tf.relu(x), 'relu');
export const sigmoid = activationLayer('sigmoid', '1 / (1 + exp(-x)), as torch.nn.Sigmoid', (tf, x) => tf.sigmoid(x), 'sigmoid');
export const tanh = activationLayer('tanh', 'Hyperbolic tangent, as torch.nn.Tanh', (tf, x) => tf.tanh(x), 'tanh');
export const softmax = activationLayer('softmax', 'Softmax over the last axis, as torch.nn.Softmax(dim=-1)', (tf, x) => tf.softmax(x), 'softmax');
export const logSoftmax = activationLayer('logSoftmax', 'Log of softmax over the last axis, as torch.nn.LogSoftmax(dim=-1) (pair with the nll loss)', (tf, x) =>
  tf.logSoftmax(x),
);
