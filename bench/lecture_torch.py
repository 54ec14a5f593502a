#!/usr/bin/python3
"""The lecture-25 comparison in PyTorch, as its notebook runs it: the reference for `npm run bench`.

MLP 784-400-256-10 with ReLU, cross-entropy, batch 100, shuffled; SGD (lr 1e-4), SGD with momentum
0.9 (lr 1e-4) and Adam (lr 1e-4) trained side by side on one loader; per epoch the running mean of
each net's training loss and its test accuracy. Reads the same IDX files as trainyard. With
--seeds, several seeds one after another in this process (the study of `npm run bench`).
Prints one JSON object on stdout. Run with Debian's python3-torch: /usr/bin/python3.
"""
import argparse
import gzip
import json
import os
import resource
import time

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def find(directory, name):
    for candidate in (name + '.gz', name):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    raise SystemExit(f'{directory} has no {name}[.gz]')


class NeuralNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 256), nn.ReLU(), nn.Linear(256, 10))

    def forward(self, x):
        return self.layers(x.view(-1, 784))


def train_seed(seed, x_train, y_train, x_test, y_test, epochs):
    """The notebook's loop for one seed: three nets side by side on one shuffled loader."""
    torch.manual_seed(seed)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_train, y_train), batch_size=100, shuffle=True)
    test_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_test, y_test), batch_size=100, shuffle=False)
    nets = {'SGD': NeuralNet(), 'SGD with momentum': NeuralNet(), 'Adam': NeuralNet()}
    optimizers = {
        'SGD': optim.SGD(nets['SGD'].parameters(), lr=1e-4),
        'SGD with momentum': optim.SGD(nets['SGD with momentum'].parameters(), lr=1e-4, momentum=0.9),
        'Adam': optim.Adam(nets['Adam'].parameters(), lr=1e-4),
    }
    criterion = nn.CrossEntropyLoss()
    history = {name: [] for name in nets}
    steps = 0
    for epoch in range(1, epochs + 1):
        epoch_started = time.perf_counter()
        running = {name: 0.0 for name in nets}
        for inputs, labels in loader:
            for name, net in nets.items():
                optimizers[name].zero_grad()
                loss = criterion(net(inputs), labels)
                loss.backward()
                optimizers[name].step()
                running[name] += loss.item()
            steps += 1
        for name, net in nets.items():
            correct = 0
            with torch.no_grad():
                for inputs, labels in test_loader:
                    correct += (net(inputs).argmax(1) == labels).sum().item()
            history[name].append({'epoch': epoch, 'trainLoss': running[name] / len(loader), 'testAccuracy': correct / len(y_test)})
        for name in nets:
            history[name][-1]['seconds'] = time.perf_counter() - epoch_started
    return history, steps * len(nets)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--seeds', default='', help='comma-separated seeds trained one after another (a study); default: --seed')
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--train-limit', type=int, default=0, help='use only the first N training samples (quick mode)')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(',')] if args.seeds else [args.seed]

    x_train = torch.from_numpy(read_idx(find(args.data, 'train-images-idx3-ubyte')).astype(np.float32) / 255.0)
    y_train = torch.from_numpy(read_idx(find(args.data, 'train-labels-idx1-ubyte')).astype(np.int64))
    x_test = torch.from_numpy(read_idx(find(args.data, 't10k-images-idx3-ubyte')).astype(np.float32) / 255.0)
    y_test = torch.from_numpy(read_idx(find(args.data, 't10k-labels-idx1-ubyte')).astype(np.int64))
    if args.train_limit:
        x_train, y_train = x_train[:args.train_limit], y_train[:args.train_limit]

    started = time.perf_counter()
    per_seed = []
    steps = 0
    for seed in seeds:
        history, seed_steps = train_seed(seed, x_train, y_train, x_test, y_test, args.epochs)
        per_seed.append({'seed': seed, 'final': {name: h[-1] for name, h in history.items()}, 'history': history})
        steps += seed_steps
    seconds = time.perf_counter() - started
    print(json.dumps({
        'tool': f'PyTorch {torch.__version__}',
        'threads': torch.get_num_threads(),
        'openblasThreads': os.environ.get('OPENBLAS_NUM_THREADS', 'default'),
        'openblasCoretype': os.environ.get('OPENBLAS_CORETYPE', 'detected'),
        'epochs': args.epochs,
        'seeds': seeds,
        'trainingSteps': steps,
        'seconds': seconds,
        'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'final': per_seed[0]['final'],
        'history': per_seed[0]['history'],
        'perSeed': per_seed,
    }))


if __name__ == '__main__':
    main()
