// Softmax cross-entropy in two kernels on TF.js's wasm backends (wasm, wasm-blas): one for the
// loss (and the log-probabilities the gradient needs), one for the gradient (softmax - target) / rows.
// Through tensor ops the same loss is about fifteen kernels and tape entries each way, and on a
// small classifier their dispatch costs more than the arithmetic. Other backends keep the ops.
import type * as tfjs from '@tensorflow/tfjs';
import { replaceKernel } from '../tf-kernels.js';
import type { Kernels } from '../index.js';
import { heapOffset, type TensorInfo, type WasmBackend } from './simd.js';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

const FORWARD = 'TrainyardSoftmaxCrossEntropy';
const BACKWARD = 'TrainyardSoftmaxCrossEntropyGrad';

/** Registers the two kernels with TF.js for backend `backendName` (one whose tensors live on a wasm heap). */
export function registerCrossEntropyKernels(tf: TF, backendName: string): void {
  // Input offsets first, then outputs, then views (see heapOffset).
  const f32 = (backend: WasmBackend, offset: number, n: number) => new Float32Array(backend.wasm.HEAPU8.buffer, offset, n);
  const i32 = (backend: WasmBackend, offset: number, n: number) => new Int32Array(backend.wasm.HEAPU8.buffer, offset, n);
  const shapeOf = (logits: TensorInfo, labels: TensorInfo) => {
    const classes = logits.shape[logits.shape.length - 1]!;
    const rows = classes === 0 ? 0 : logits.shape.reduce((a, b) => a * b, 1) / classes;
    if (labels.dtype !== 'int32' || labels.shape.reduce((a, b) => a * b, 1) !== rows) {
      throw new Error(`crossEntropy: ${rows} rows of scores but labels of shape [${labels.shape}] (${labels.dtype})`);
    }
    return { rows, classes };
  };

  replaceKernel(tf, {
    kernelName: FORWARD,
    backendName,
    kernelFunc: (({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: WasmBackend; attrs: { smoothing: number } }) => {
      const { logits, labels } = inputs as { logits: TensorInfo; labels: TensorInfo };
      const { rows, classes } = shapeOf(logits, labels);
      const [logitsAt, labelsAt] = [heapOffset(backend, logits), heapOffset(backend, labels)];
      const loss = backend.makeOutput([], 'float32');
      const logProbs = backend.makeOutput(logits.shape, 'float32');
      const z = f32(backend, logitsAt, rows * classes);
      const lp = f32(backend, heapOffset(backend, logProbs), rows * classes);
      const y = i32(backend, labelsAt, rows);
      const s = attrs.smoothing;
      let total = 0;
      for (let r = 0; r < rows; r++) {
        const o = r * classes;
        let max = -Infinity;
        for (let c = 0; c < classes; c++) max = Math.max(max, z[o + c]!);
        let sum = 0;
        for (let c = 0; c < classes; c++) sum += Math.exp(z[o + c]! - max);
        const logSum = Math.log(sum) + max;
        let rowMean = 0;
        for (let c = 0; c < classes; c++) rowMean += lp[o + c] = z[o + c]! - logSum;
        const label = y[r]!;
        // An out-of-range label picks nothing, as a one-hot of it (all zeros) does.
        const picked = label >= 0 && label < classes ? lp[o + label]! : 0;
        total += (1 - s) * picked + (s * rowMean) / classes;
      }
      f32(backend, heapOffset(backend, loss), 1)[0] = rows === 0 ? NaN : -total / rows;
      return [loss, logProbs];
    }) as never,
  });

  replaceKernel(tf, {
    kernelName: BACKWARD,
    backendName,
    kernelFunc: (({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: WasmBackend; attrs: { smoothing: number } }) => {
      const { dy, logProbs, labels } = inputs as { dy: TensorInfo; logProbs: TensorInfo; labels: TensorInfo };
      const { rows, classes } = shapeOf(logProbs, labels);
      const [dyAt, logProbsAt, labelsAt] = [heapOffset(backend, dy), heapOffset(backend, logProbs), heapOffset(backend, labels)];
      const grad = backend.makeOutput(logProbs.shape, 'float32');
      const lp = f32(backend, logProbsAt, rows * classes);
      const out = f32(backend, heapOffset(backend, grad), rows * classes);
      const y = i32(backend, labelsAt, rows);
      const scale = f32(backend, dyAt, 1)[0]! / rows;
      const s = attrs.smoothing;
      for (let r = 0; r < rows; r++) {
        const o = r * classes;
        const label = y[r]!;
        // d/dz of -Σ target·log_softmax(z) is softmax(z)·Σ target - target; Σ target is 1 unless the
        // label is out of range (its one-hot is all zeros), then s.
        const targetSum = label >= 0 && label < classes ? 1 : s;
        for (let c = 0; c < classes; c++) out[o + c] = (Math.exp(lp[o + c]!) * targetSum - ((c === label ? 1 - s : 0) + s / classes)) * scale;
      }
      return [grad];
    }) as never,
  });
}

/** The softmaxCrossEntropy kernel of the Kernels interface, on the kernels registerCrossEntropyKernels registered. */
export function softmaxCrossEntropy(tf: TF): NonNullable<Kernels['softmaxCrossEntropy']> {
  const run = (kernel: string, inputs: Record<string, Tensor>, smoothing: number) =>
    tf.engine().runKernel(kernel, inputs as never, { smoothing } as never) as unknown as Tensor[];
  return (output, labels, smoothing) => {
    const intLabels = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    const loss = tf.customGrad(((scores: Tensor, save: (t: Tensor[]) => void) => {
      const [value, logProbs] = run(FORWARD, { logits: scores, labels: intLabels }, smoothing);
      // The labels too: ones made inside the differentiated function are freed before the backward pass unless saved.
      save([logProbs!, intLabels]);
      return {
        value: value!,
        gradFunc: (dy: Tensor, [logProbsSaved, labelsSaved]: Tensor[]) => run(BACKWARD, { dy, logProbs: logProbsSaved!, labels: labelsSaved! }, smoothing)[0]!,
      };
    }) as never) as unknown as (scores: Tensor) => tfjs.Scalar;
    return loss(output);
  };
}
