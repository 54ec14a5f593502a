#!/usr/bin/python3
"""A PyTorch MLP trajectory that trainyard replays step for step (test/runner/replay.test.ts).

Run with Debian's PyTorch (apt-get install -y python3-torch python3-numpy libopenblas0-pthread):

    /usr/bin/python3 scripts/golden-replay.py

It writes test/fixtures/golden/replay/:

- train.csv, test.csv: 240 / 60 samples of 12 features (float32 values written exactly, 9
  significant digits) and a label of 3 classes, made from a fixed seed;
- init.safetensors: the initial state_dict of nn.Sequential(Flatten(), Linear(12, 16), ReLU(),
  Linear(16, 3)) (names 1.weight [16, 12], 1.bias, 3.weight [3, 16], 3.bias), F32; init-f64.safetensors
  the same in F64;
- order.npy: int32 [3, 240], the randperm of each epoch (what a DataLoader with shuffle=True draws);
- trajectory.json: for SGD, SGD with momentum and Adam, trained from init.safetensors on the batches
  order.npy gives (batch 40, 3 epochs, cross-entropy), the loss of every step, each epoch's mean
  training loss, test loss and test accuracy, and the final state_dict.

The experiment trainyard runs is examples/replay-torch/replay.yaml (the same files).
"""

import json
import os
import struct

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'golden', 'replay')
SEED = 20261201
FEATURES, CLASSES, TRAIN, TEST = 12, 3, 240, 60
EPOCHS, BATCH = 3, 40
OPTIMIZERS = {
    'sgd': lambda p: torch.optim.SGD(p, lr=0.1),
    'sgd-momentum': lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    'adam': lambda p: torch.optim.Adam(p, lr=0.01),
}


def write_safetensors(path, tensors, dtype):
    """safetensors by hand (the format: 8-byte LE header length, JSON header, raw LE data)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().to(dtype).contiguous().numpy().tobytes()
        header[name] = {'dtype': 'F32' if dtype == torch.float32 else 'F64', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':'))
    text += ' ' * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text.encode())
        for b in blobs:
            f.write(b)


def write_csv(path, x, y):
    with open(path, 'w') as f:
        f.write(','.join([f'f{i}' for i in range(FEATURES)] + ['label']) + '\n')
        for row, label in zip(x.tolist(), y.tolist()):
            f.write(','.join('%.9g' % v for v in row) + f',{label}\n')


def model():
    return nn.Sequential(nn.Flatten(), nn.Linear(FEATURES, 16), nn.ReLU(), nn.Linear(16, CLASSES))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(SEED)
    centers = torch.randn(CLASSES, FEATURES)
    def draw(n):
        y = torch.randint(0, CLASSES, (n,))
        return (centers[y] + 1.5 * torch.randn(n, FEATURES)).float(), y
    x_train, y_train = draw(TRAIN)
    x_test, y_test = draw(TEST)
    # The CSV holds 9 significant digits: exactly the float32 values trained on here.
    x_train = torch.tensor(np.float32([[float('%.9g' % v) for v in r] for r in x_train.tolist()]))
    x_test = torch.tensor(np.float32([[float('%.9g' % v) for v in r] for r in x_test.tolist()]))
    write_csv(os.path.join(OUT, 'train.csv'), x_train, y_train)
    write_csv(os.path.join(OUT, 'test.csv'), x_test, y_test)

    init = model().state_dict()
    write_safetensors(os.path.join(OUT, 'init.safetensors'), init, torch.float32)
    write_safetensors(os.path.join(OUT, 'init-f64.safetensors'), init, torch.float64)
    generator = torch.Generator().manual_seed(SEED + 1)
    order = torch.stack([torch.randperm(TRAIN, generator=generator) for _ in range(EPOCHS)]).to(torch.int32)
    np.save(os.path.join(OUT, 'order.npy'), order.numpy())

    loss_fn = nn.CrossEntropyLoss()
    trajectories = {}
    for name, make in OPTIMIZERS.items():
        net = model()
        net.load_state_dict(init)
        optimizer = make(net.parameters())
        steps, epochs = [], []
        for epoch in range(EPOCHS):
            losses = []
            for start in range(0, TRAIN, BATCH):
                idx = order[epoch, start:start + BATCH].long()
                loss = loss_fn(net(x_train[idx]), y_train[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            steps.extend(losses)
            with torch.no_grad():
                out = net(x_test)
                test_loss = loss_fn(out, y_test).item()
                accuracy = (out.argmax(1) == y_test).float().mean().item()
            epochs.append({'epoch': epoch + 1, 'trainLoss': sum(losses) / len(losses), 'testLoss': test_loss, 'testAccuracy': accuracy})
        trajectories[name] = {
            'steps': steps,
            'epochs': epochs,
            'final': {k: {'shape': list(v.shape), 'values': v.flatten().tolist()} for k, v in net.state_dict().items()},
        }
    with open(os.path.join(OUT, 'trajectory.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'epochs': EPOCHS, 'batchSize': BATCH, 'optimizers': trajectories}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
