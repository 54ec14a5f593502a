import type { EarlyStopping } from '../config/types.js';

/** Tracks the watched figure epoch by epoch, as Keras/Lightning early stopping does. */
export class EarlyStopper {
  best = Number.NaN;
  bestEpoch = 0;
  private waited = 0;

  constructor(readonly options: EarlyStopping) {}

  /** Records an epoch; true when this epoch is the best so far. */
  improved(epoch: number, value: number | undefined): boolean {
    if (value === undefined || !Number.isFinite(value)) {
      this.waited++;
      return false;
    }
    const { mode, minDelta } = this.options;
    const better = Number.isNaN(this.best) || (mode === 'min' ? value < this.best - minDelta : value > this.best + minDelta);
    if (better) {
      this.best = value;
      this.bestEpoch = epoch;
      this.waited = 0;
    } else {
      this.waited++;
    }
    return better;
  }

  getState(): { best: number; bestEpoch: number; waited: number } {
    return { best: this.best, bestEpoch: this.bestEpoch, waited: this.waited };
  }

  setState(state: { best: number; bestEpoch: number; waited: number }): void {
    // JSON turns NaN (nothing seen yet) into null.
    this.best = state.best ?? Number.NaN;
    this.bestEpoch = state.bestEpoch;
    this.waited = state.waited;
  }

  /** Whether patience has run out. */
  get shouldStop(): boolean {
    return this.waited >= this.options.patience;
  }
}
