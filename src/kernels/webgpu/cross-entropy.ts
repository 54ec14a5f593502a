// Softmax cross-entropy on TF.js's WebGPU backend: one WGSL dispatch for the rows' losses (then
// TF.js's mean) and one for the gradient (softmax - target) / rows, each invocation one row, against
// about fifteen dispatches through tensor ops. Rows are short (the classes), so one invocation a row.
import type * as tfjs from '@tensorflow/tfjs';
import { replaceKernel } from '../tf-kernels.js';
import type { Kernels } from '../index.js';
import { dispatch, f32, u32, WORKGROUP, type TensorInfo, type WebgpuBackend } from './dispatch.js';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

const FORWARD = 'TrainyardSoftmaxCrossEntropy';
const BACKWARD = 'TrainyardSoftmaxCrossEntropyGrad';

const UNIFORMS = `struct U {
  rows: u32, classes: u32, p2: u32, p3: u32,
  smoothing: f32, scale: f32, p6: u32, p7: u32,
  p8: u32, p9: u32, p10: u32, p11: u32,
  p12: u32, p13: u32, rowLength: u32, p15: u32,
};`;

/** The row's max and log of the sum of exp(z - max) + max: log_softmax(z)[c] = z[c] - logSum. */
const ROW = `let r = gid.y * u.rowLength + gid.x;
  if (r >= u.rows) { return; }
  let o = r * u.classes;
  var top = logits[o];
  for (var c = 1u; c < u.classes; c++) { top = max(top, logits[o + c]); }
  var sum = 0.0;
  for (var c = 0u; c < u.classes; c++) { sum = sum + exp(logits[o + c] - top); }
  let logSum = log(sum) + top;
  let label = labels[r];
  // An out-of-range label picks nothing, as a one-hot of it (all zeros) does.
  let inRange = label >= 0 && u32(label) < u.classes;`;

const FORWARD_SHADER = `${UNIFORMS}
@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${ROW}
  var rowMean = 0.0;
  for (var c = 0u; c < u.classes; c++) { rowMean = rowMean + (logits[o + c] - logSum); }
  var picked = 0.0;
  if (inRange) { picked = logits[o + u32(label)] - logSum; }
  rowLoss[r] = -((1.0 - u.smoothing) * picked + (u.smoothing * rowMean) / f32(u.classes));
}`;

const BACKWARD_SHADER = `${UNIFORMS}
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@group(0) @binding(4) var<uniform> u: U;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${ROW}
  // d/dz of -sum(target * log_softmax(z)) = softmax(z) * sum(target) - target; sum(target) is 1, or s for an out-of-range label.
  var targetSum = u.smoothing;
  if (inRange) { targetSum = 1.0; }
  let scale = dy[0] * u.scale;
  for (var c = 0u; c < u.classes; c++) {
    var want = u.smoothing / f32(u.classes);
    if (inRange && c == u32(label)) { want = want + 1.0 - u.smoothing; }
    grad[o + c] = (exp(logits[o + c] - logSum) * targetSum - want) * scale;
  }
}`;

function shapeOf(logits: TensorInfo, labels: TensorInfo): { rows: number; classes: number } {
  const classes = logits.shape[logits.shape.length - 1]!;
  const rows = classes === 0 ? 0 : logits.shape.reduce((a, b) => a * b, 1) / classes;
  if (labels.dtype !== 'int32' || labels.shape.reduce((a, b) => a * b, 1) !== rows) {
    throw new Error(`crossEntropy: ${rows} rows of scores but labels of shape [${labels.shape}] (${labels.dtype})`);
  }
  return { rows, classes };
}

/** Registers the two kernels with TF.js for its 'webgpu' backend. */
export function registerWebgpuCrossEntropyKernels(tf: TF): void {
  type Args = { inputs: Record<string, TensorInfo>; backend: WebgpuBackend; attrs: { smoothing: number } };
  replaceKernel(tf, {
    kernelName: FORWARD,
    backendName: 'webgpu',
    kernelFunc: (({ inputs: { logits, labels }, backend, attrs }: Args) => {
      const { rows, classes } = shapeOf(logits!, labels!);
      const rowLoss = backend.makeTensorInfo([rows], 'float32');
      dispatch(tf, backend, FORWARD_SHADER, [logits!, labels!], [rowLoss], (view) => {
        u32(view, 1, classes);
        f32(view, 4, attrs.smoothing);
      }, rows);
      return [rowLoss];
    }) as never,
  });
  replaceKernel(tf, {
    kernelName: BACKWARD,
    backendName: 'webgpu',
    kernelFunc: (({ inputs: { dy, logits, labels }, backend, attrs }: Args) => {
      const { rows, classes } = shapeOf(logits!, labels!);
      const grad = backend.makeTensorInfo(logits!.shape, 'float32');
      dispatch(tf, backend, BACKWARD_SHADER, [dy!, logits!, labels!], [grad], (view) => {
        u32(view, 1, classes);
        f32(view, 4, attrs.smoothing);
        f32(view, 5, 1 / rows);
      }, rows);
      return [grad];
    }) as never,
  });
}

/** The softmaxCrossEntropy kernel of the Kernels interface on webgpu. */
export function softmaxCrossEntropy(tf: TF): NonNullable<Kernels['softmaxCrossEntropy']> {
  const run = (kernel: string, inputs: Record<string, Tensor>, smoothing: number) =>
    (tf.engine().runKernel(kernel, inputs as never, { smoothing } as never) as unknown as Tensor[])[0]!;
  return (output, labels, smoothing) => {
    const intLabels = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    const loss = tf.customGrad(((scores: Tensor, save: (t: Tensor[]) => void) => {
      const value = tf.mean(run(FORWARD, { logits: scores, labels: intLabels }, smoothing)) as tfjs.Scalar;
      // The labels too: ones made inside the differentiated function are freed before the backward pass unless saved.
      save([scores, intLabels]);
      return {
        value,
        gradFunc: (dy: Tensor, [scoresSaved, labelsSaved]: Tensor[]) => run(BACKWARD, { dy, logits: scoresSaved!, labels: labelsSaved! }, smoothing),
      };
    }) as never) as unknown as (scores: Tensor) => tfjs.Scalar;
    return loss(output);
  };
}
