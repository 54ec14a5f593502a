// Softmax cross-entropy in two kernels on TF.js's wasm backends (wasm, wasm-blas): one for the
// loss (and the log-probabilities the gradient needs), one for the gradient (softmax - target) / rows.
// Through tensor ops the same loss is about fifteen kernels and tape entries each way, and on a
// small classifier their dispatch costs more than the arithmetic. Other backends keep the ops.
import type { Tensor, TF } from '../kinds.js';
import { wasmHeap } from '../simd.js';

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): TensorInfo;
}

const FORWARD = 'TrainyardSoftmaxCrossEntropy';
const BACKWARD = 'TrainyardSoftmaxCrossEntropyGrad';

function registerKernels(tf: TF, backendName: string): void {
  const views = (backend: WasmBackend) => {
    const heap = backend.wasm.HEAPU8.buffer;
    const at = (t: TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
    return {
      f32: (t: TensorInfo, n: number) => new Float32Array(heap, at(t), n),
      i32: (t: TensorInfo, n: number) => new Int32Array(heap, at(t), n),
    };
  };
  const shapeOf = (logits: TensorInfo, labels: TensorInfo) => {
    const classes = logits.shape[logits.shape.length - 1]!;
    const rows = classes === 0 ? 0 : logits.shape.reduce((a, b) => a * b, 1) / classes;
    if (labels.dtype !== 'int32' || labels.shape.reduce((a, b) => a * b, 1) !== rows) {
      throw new Error(`crossEntropy: ${rows} rows of scores but labels of shape [${labels.shape}] (${labels.dtype})`);
    }
    return { rows, classes };
  };

  tf.registerKernel({
    kernelName: FORWARD,
    backendName,
    kernelFunc: (({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: WasmBackend; attrs: { smoothing: number } }) => {
      const { logits, labels } = inputs as { logits: TensorInfo; labels: TensorInfo };
      const { rows, classes } = shapeOf(logits, labels);
      const loss = backend.makeOutput([], 'float32');
      const logProbs = backend.makeOutput(logits.shape, 'float32');
      const v = views(backend);
      const z = v.f32(logits, rows * classes);
      const lp = v.f32(logProbs, rows * classes);
      const y = v.i32(labels, rows);
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
      v.f32(loss, 1)[0] = rows === 0 ? NaN : -total / rows;
      return [loss, logProbs];
    }) as never,
  });

  tf.registerKernel({
    kernelName: BACKWARD,
    backendName,
    kernelFunc: (({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: WasmBackend; attrs: { smoothing: number } }) => {
      const { dy, logProbs, labels } = inputs as { dy: TensorInfo; logProbs: TensorInfo; labels: TensorInfo };
      const { rows, classes } = shapeOf(logProbs, labels);
      const grad = backend.makeOutput(logProbs.shape, 'float32');
      const v = views(backend);
      const lp = v.f32(logProbs, rows * classes);
      const out = v.f32(grad, rows * classes);
      const y = v.i32(labels, rows);
      const scale = v.f32(dy, 1)[0]! / rows;
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

/**
 * torch.nn.CrossEntropyLoss (mean over rows, label smoothing) of scores [..., classes] against int
 * labels, in two kernels, or null on a backend that has no heap for them (not one of the wasm ones).
 */
export function fusedCrossEntropy(tf: TF, smoothing: number): ((output: Tensor, labels: Tensor) => Tensor) | null {
  const backendName = tf.getBackend();
  if (!wasmHeap(tf.backend())) return null;
  if (!tf.getKernel(FORWARD, backendName)) registerKernels(tf, backendName);
  const run = (kernel: string, inputs: Record<string, Tensor>) => tf.engine().runKernel(kernel, inputs as never, { smoothing } as never) as unknown as Tensor[];
  return (output, labels) => {
    const intLabels = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    const loss = tf.customGrad(((scores: Tensor, save: (t: Tensor[]) => void) => {
      const [value, logProbs] = run(FORWARD, { logits: scores, labels: intLabels });
      save([logProbs!]);
      return {
        value: value!,
        gradFunc: (dy: Tensor, [logProbsSaved]: Tensor[]) => run(BACKWARD, { dy, logProbs: logProbsSaved!, labels: intLabels })[0]!,
      };
    }) as never) as unknown as (scores: Tensor) => Tensor;
    return loss(output);
  };
}
