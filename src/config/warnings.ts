// Models that validate but are almost surely wrong: a loss paired with a last layer that defeats it.
// Each trains without an error (nll on raw scores falls to -290 and "ends ok"), so they are warned
// about at the layer's line rather than refused. Only near-certain mistakes: built-in layers whose
// outputs are known, never a user's layer, which may compute anything.
import type { DataFacts } from '../registry/kinds.js';
import type { Problem } from '../util/errors.js';
import type { Experiment } from './types.js';

/** Built-in layers whose output is not log-probabilities (what nll needs). */
const NOT_LOG_PROBABILITIES = new Set(['dense', 'flatten', 'relu', 'sigmoid', 'tanh', 'softmax', 'dropout']);

/** Losses that compare the output with the targets value by value. */
const VALUE_LOSSES = new Set(['mse', 'l1']);

/** Warnings about the model and loss of a normalized experiment (pure); `facts` as inspect found them. */
export function modelWarnings(config: Experiment, facts: DataFacts): Problem[] {
  const layers = config.model.layers;
  const last = layers.at(-1)?.type;
  if (last === undefined) return [];
  const loss = config.loss.type;
  const at = ['model', 'layers', layers.length - 1];
  const warn = (message: string): Problem[] => [{ path: at, message }];

  if (loss === 'nll' && NOT_LOG_PROBABILITIES.has(last)) {
    return warn(
      last === 'softmax'
        ? "loss 'nll' expects log-probabilities, but softmax gives probabilities: use logSoftmax here (or drop it and use loss: crossEntropy)"
        : `loss 'nll' expects log-probabilities, but the last layer '${last}' does not give them, so the loss can fall without bound: ` +
            'add logSoftmax after it, or use loss: crossEntropy, which applies log-softmax itself',
    );
  }
  if (loss === 'crossEntropy' && last === 'softmax') {
    return warn(
      "loss 'crossEntropy' applies log-softmax itself, so the scores go through softmax twice and the gradients shrink: " +
        'remove it (crossEntropy takes the raw scores of the layer before)',
    );
  }
  if (VALUE_LOSSES.has(loss) && last === 'logSoftmax') {
    return warn(`logSoftmax gives log-probabilities (all <= 0), which loss '${loss}' compares with the targets as they are: remove it, or use loss: nll on class labels`);
  }
  // Class labels (one-hot rows, as mse and l1 compare them) fit a softmax; other value targets do not.
  const width = facts.targetShape?.reduce((a, b) => a * b, 1);
  if (VALUE_LOSSES.has(loss) && last === 'softmax' && width !== undefined && width !== facts.classes) {
    return warn(
      `softmax makes each sample's ${width} outputs sum to 1, but loss '${loss}' compares them with value targets that are not one-hot class rows: ` +
        'remove it (or use sigmoid for outputs in [0, 1])',
    );
  }
  return [];
}
