// The arithmetic floor of the lecture's MLP on this machine, measured in the same run as the
// timings it is set against: OpenBLAS's sgemm (one thread, the kernels trainyard picks) on each
// matrix product of a training step and of an evaluation batch, as a throughput; the run's FLOPs
// at that throughput on every core is the time no implementation of these products can beat.
import { availableParallelism } from 'node:os';
import { openBlas, type Sgemm } from '../src/kernels/blas/open.js';

/** [m, n, k] of C[m×n] = A[m×k]·B[k×n]. */
type Shape = [number, number, number];

/** The products of one training step of a dense stack at a batch size: forward, dW, dx (not for the input). */
export function stepShapes(widths: number[], batch: number): Shape[] {
  const shapes: Shape[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const [fanIn, units] = [widths[i]!, widths[i + 1]!];
    shapes.push([batch, units, fanIn], [fanIn, units, batch]);
    if (i > 0) shapes.push([batch, fanIn, units]);
  }
  return shapes;
}

export const evalShapes = (widths: number[], batch: number): Shape[] => widths.slice(0, -1).map((fanIn, i) => [batch, widths[i + 1]!, fanIn]);

const flopsOf = (shapes: Shape[]) => shapes.reduce((sum, [m, n, k]) => sum + 2 * m * n * k, 0);

/** Seconds for one sgemm of each shape, best of several timed loops. */
function secondsPerCall(sgemm: Sgemm, [m, n, k]: Shape): number {
  const a = new Float32Array(m * k).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
  const b = new Float32Array(k * n).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
  const c = new Float32Array(m * n);
  const calls = Math.max(20, Math.round(2e8 / (2 * m * n * k)));
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < calls; i++) sgemm(false, false, m, n, k, a, b, 0, c);
    best = Math.min(best, (performance.now() - started) / 1000 / calls);
  }
  return best;
}

export interface Floor {
  /** FLOPs of the run's matrix products (training steps and evaluation passes). */
  flops: number;
  /** sgemm on the run's shapes, one core, GFLOP/s. */
  gflopsPerCore: number;
  cores: number;
  /** flops at gflopsPerCore on every core. */
  seconds: number;
  library: string;
}

/** The floor of `trials` lecture trials of `epochs` epochs over the given split sizes. */
export async function lectureFloor(o: { widths: number[]; batch: number; evalBatch: number; trials: number; epochs: number; trainCount: number; testCount: number }): Promise<Floor> {
  const { sgemm, library } = await openBlas();
  const step = stepShapes(o.widths, o.batch);
  const evaluation = evalShapes(o.widths, o.evalBatch);
  const stepSeconds = step.reduce((s, shape) => s + secondsPerCall(sgemm, shape), 0);
  const evalSeconds = evaluation.reduce((s, shape) => s + secondsPerCall(sgemm, shape), 0);
  const stepsPerEpoch = Math.ceil(o.trainCount / o.batch);
  const evalBatches = Math.ceil(o.testCount / o.evalBatch);
  const perTrialEpoch = { flops: stepsPerEpoch * flopsOf(step) + evalBatches * flopsOf(evaluation), seconds: stepsPerEpoch * stepSeconds + evalBatches * evalSeconds };
  const flops = o.trials * o.epochs * perTrialEpoch.flops;
  const gflopsPerCore = perTrialEpoch.flops / perTrialEpoch.seconds / 1e9;
  const cores = availableParallelism();
  return { flops, gflopsPerCore, cores, seconds: flops / (gflopsPerCore * 1e9 * cores), library };
}
