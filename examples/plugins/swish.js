// A trainyard user plugin module: the swish activation, x * sigmoid(beta * x)
// (Ramachandran et al. 2017; torch.nn.SiLU when beta is 1).
//
// Use it from an experiment file (paths are relative to the YAML file):
//
//   plugins: [./swish.js]
//   model:
//     layers: [flatten, {type: dense, units: 128}, swish, {type: swish, beta: 2}, {type: dense, units: 10}]
//
// A plugin module is plain JavaScript (an ES module; no build step). Its default export is an
// array of plugin objects, each tagged with its `kind` (dataset, layer, loss, optimizer, metric or
// backend), or a function (registries) => void. See LayerPlugin in src/registry/kinds.ts for what
// a layer provides. Never import TensorFlow.js here: `create` receives it as `tf`, so the module
// loads (and the experiment validates) without it, and worker threads import this same file.

export default [
  {
    kind: 'layer',
    type: 'swish',
    summary: 'Swish activation x * sigmoid(beta * x); beta 1 is torch.nn.SiLU',
    // JSON Schema (draft-07) of the layer's YAML params: validation, defaults, `trainyard list` and
    // editor autocomplete all come from it.
    params: {
      type: 'object',
      properties: {
        beta: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Slope of the sigmoid gate (1: SiLU)' },
      },
      additionalProperties: false,
    },
    // An elementwise layer: each sample keeps its shape. Pure; validation uses it to check widths.
    outputShape: (params, inputShape) => inputShape,
    // No trainable variables; autodiff gives the backward pass.
    create: (params, { tf }) => ({
      variables: [],
      apply: (x) => tf.mul(x, tf.sigmoid(tf.mul(x, params.beta))),
    }),
  },
];
