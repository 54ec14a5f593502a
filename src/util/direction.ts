/**
 * Whether lower is better for an epoch figure, by its name: losses and errors go down, everything
 * else (accuracy, ssim, psnr, a user's score) goes up. One rule for select, targets and statistics.
 */
export const lowerIsBetter = (figure: string): boolean => /loss|error|mse|mae|l1$/i.test(figure);

export const defaultMode = (figure: string): 'min' | 'max' => (lowerIsBetter(figure) ? 'min' : 'max');
