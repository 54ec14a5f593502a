// How a layer's variables are laid out against torch's state_dict tensors of the same name (for
// weights in and out, and for tests against torch): the permutation that takes ours to torch's.

/**
 * The axes of our tensor in torch's order (tf.transpose(ours, perm) is torch's), or null when the
 * layouts agree. conv2d holds [kh, kw, in, out] (torch [out, in, kh, kw]), convTranspose2d
 * [kh, kw, out, in] (torch [in, out, kh, kw]), dense [in, out] (torch [out, in]), layerNorm on
 * images [H, W, C] (torch [C, H, W]).
 */
export function torchPermutation(layerType: string, name: string, rank: number): number[] | null {
  if (name !== 'weight' && name !== 'bias') return null;
  if ((layerType === 'conv2d' || layerType === 'convTranspose2d') && name === 'weight') return [3, 2, 0, 1];
  if (layerType === 'dense' && name === 'weight') return [1, 0];
  if (layerType === 'layerNorm' && rank === 3) return [2, 0, 1];
  return null;
}

/** The inverse permutation (torch's tensor to ours). */
export const inversePermutation = (perm: number[]): number[] => perm.map((_, i) => perm.indexOf(i));
