// The lecture's MLP and optimizers as the step benchmarks train them.
export const LECTURE_LAYERS = [
  { type: 'flatten' },
  { type: 'dense', units: 400, activation: 'linear', useBias: true },
  { type: 'relu' },
  { type: 'dense', units: 256, activation: 'linear', useBias: true },
  { type: 'relu' },
  { type: 'dense', units: 10, activation: 'linear', useBias: true },
];

export const LECTURE_OPTIMIZERS = {
  sgd: { lr: 1e-4, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
  adam: { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false },
};
