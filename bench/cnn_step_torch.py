#!/usr/bin/python3
"""Milliseconds per Adam training step of the small CNN of experiments/cnn-fashion-mnist.yaml in
PyTorch (conv32-pool-conv64-pool-dense128-10, batch 100, random inputs), at 1 and at 2 threads
(or, with `one-thread`, at 1 thread only: one of several processes side by side): the reference `npm run bench:step` prints beside trainyard's. Run with Debian's python3-torch
(/usr/bin/python3), OPENBLAS_NUM_THREADS=1 (PyTorch at its best here). Prints one JSON object.
"""
import json
import sys
import time

import torch
import torch.nn as nn


def model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def step_ms(threads, repeats):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(100, 1, 28, 28)
    y = torch.arange(100) % 10

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return samples[len(samples) // 2]


if __name__ == '__main__':
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    if len(sys.argv) > 2 and sys.argv[2] == 'one-thread':
        # One of several processes run side by side (the three trials' throughput): 1 thread each.
        print(json.dumps({'torch': torch.__version__, 'threads1': step_ms(1, repeats)}))
    else:
        print(json.dumps({'torch': torch.__version__, 'threads1': step_ms(1, repeats), 'threads2': step_ms(2, repeats)}))
