#!/usr/bin/python3
"""Golden trajectories of torch.optim.SGD and torch.optim.Adam for the optimizer tests.

Run with Debian's PyTorch (apt-get install -y python3-torch libopenblas0-pthread):

    /usr/bin/python3 scripts/golden-optimizers.py

It writes test/fixtures/golden/optimizers.json. The problem is a tiny two-layer MLP
in float32 on CPU:

    h = tanh(x @ W1 + b1)        W1 [4,3], b1 [3]
    y = h @ W2 + b2              W2 [3,2], b2 [2]
    loss = mean((y - t) ** 2)    x [8,4], t [8,2]

Inputs, targets and initial weights are stored in the JSON as float32 values (each JSON
number is the exact float32 value), so the TF.js tests can recompute the gradients.
For every case it records, at every step, the learning rate, the loss before the step,
the gradients torch computed and the parameters after the step.
"""

import json
import os
import platform
import re
import sys

import torch

STEPS = 25
SEED = 20240525

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'golden', 'optimizers.json')

PARAM_SHAPES = [('W1', (4, 3)), ('b1', (3,)), ('W2', (3, 2)), ('b2', (2,))]


def problem():
    g = torch.Generator().manual_seed(SEED)
    x = torch.randn(8, 4, generator=g, dtype=torch.float32)
    t = torch.randn(8, 2, generator=g, dtype=torch.float32)
    init = [(torch.rand(*shape, generator=g, dtype=torch.float32) * 2 - 1) * 0.8
            for _, shape in PARAM_SHAPES]
    return x, t, init


def forward_loss(x, t, params):
    w1, b1, w2, b2 = params
    h = torch.tanh(x @ w1 + b1)
    y = h @ w2 + b2
    return torch.mean((y - t) ** 2)


def flat(tensor):
    # float(float32) is exact and repr() round-trips, so JSON keeps the float32 value exactly.
    return [float(v) for v in tensor.detach().reshape(-1).tolist()]


# (name, optimizer, camelCase params as in YAML (all of them, defaults filled), per-step lr schedule or None)
SGD_DEFAULTS = dict(lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False, weightDecay=0.0, maximize=False)
ADAM_DEFAULTS = dict(lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0.0, amsgrad=False, maximize=False)

CASES = [
    ('sgd-defaults', 'sgd', dict(SGD_DEFAULTS, lr=0.1), None),
    ('sgd-momentum', 'sgd', dict(SGD_DEFAULTS, lr=0.05, momentum=0.9), None),
    ('sgd-momentum-dampening', 'sgd', dict(SGD_DEFAULTS, lr=0.05, momentum=0.9, dampening=0.5), None),
    ('sgd-nesterov-weight-decay', 'sgd', dict(SGD_DEFAULTS, lr=0.05, momentum=0.9, nesterov=True, weightDecay=0.01), None),
    ('sgd-maximize', 'sgd', dict(SGD_DEFAULTS, lr=0.02, momentum=0.5, weightDecay=0.001, maximize=True), None),
    ('sgd-momentum-lr-schedule', 'sgd', dict(SGD_DEFAULTS, lr=0.1, momentum=0.8),
     [0.1 * (0.9 ** (s // 5)) for s in range(STEPS)]),
    ('adam-defaults', 'adam', dict(ADAM_DEFAULTS), None),
    ('adam-lr', 'adam', dict(ADAM_DEFAULTS, lr=0.01), None),
    ('adam-weight-decay-amsgrad', 'adam', dict(ADAM_DEFAULTS, lr=0.02, weightDecay=0.05, amsgrad=True), None),
    ('adam-betas-eps', 'adam', dict(ADAM_DEFAULTS, lr=0.01, betas=[0.8, 0.95], eps=1e-3), None),
    ('adam-maximize', 'adam', dict(ADAM_DEFAULTS, lr=0.01, maximize=True), None),
    ('adam-amsgrad-lr-schedule', 'adam', dict(ADAM_DEFAULTS, lr=0.03, betas=[0.5, 0.9], amsgrad=True),
     [0.03 / (1 + 0.2 * s) for s in range(STEPS)]),
]


def make_optimizer(kind, p, params):
    if kind == 'sgd':
        kwargs = dict(lr=p['lr'], momentum=p['momentum'], dampening=p['dampening'], nesterov=p['nesterov'],
                      weight_decay=p['weightDecay'], maximize=p['maximize'])
        return torch.optim.SGD(params, foreach=False, **kwargs), kwargs
    if kind == 'adam':
        kwargs = dict(lr=p['lr'], betas=tuple(p['betas']), eps=p['eps'], weight_decay=p['weightDecay'],
                      amsgrad=p['amsgrad'], maximize=p['maximize'])
        return torch.optim.Adam(params, foreach=False, **kwargs), dict(kwargs, betas=list(kwargs['betas']))
    raise ValueError(kind)


def run_case(name, kind, p, schedule, x, t, init):
    params = [torch.nn.Parameter(w.clone()) for w in init]
    opt, kwargs = make_optimizer(kind, p, params)
    steps = []
    for s in range(STEPS):
        lr = p['lr'] if schedule is None else schedule[s]
        for group in opt.param_groups:
            group['lr'] = lr
        opt.zero_grad()
        loss = forward_loss(x, t, params)
        loss.backward()
        grads = [flat(q.grad) for q in params]
        opt.step()
        steps.append(dict(lr=lr, loss=float(loss.item()), grads=grads, params=[flat(q) for q in params]))
    return dict(name=name, optimizer=kind, params=p, torchKwargs=kwargs, lrSchedule=schedule is not None, steps=steps)


def main():
    torch.set_num_threads(1)
    x, t, init = problem()
    cases = [run_case(name, kind, p, sched, x, t, init) for name, kind, p, sched in CASES]
    doc = dict(
        generator='scripts/golden-optimizers.py',
        torchVersion=torch.__version__,
        python=platform.python_version(),
        dtype='float32',
        steps=STEPS,
        problem=dict(
            description='Two-layer MLP, float32: h = tanh(x @ W1 + b1); y = h @ W2 + b2; '
                        'loss = mean((y - t)^2) over all elements (torch.nn.MSELoss, reduction mean)',
            forward='tanh-dense-dense',
            loss='mse-mean',
            x=dict(shape=list(x.shape), data=flat(x)),
            t=dict(shape=list(t.shape), data=flat(t)),
            params=[dict(name=n, shape=list(shape)) for n, shape in PARAM_SHAPES],
            initialParams=[flat(w) for w in init],
        ),
        cases=cases,
    )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = json.dumps(doc, indent=1)
    # Keep arrays of numbers on one line each: readable diffs without one number per line.
    text = re.sub(r'\[\s*([-0-9.eE+]+(?:,\s*[-0-9.eE+]+)*)\s*\]',
                  lambda m: '[' + re.sub(r',\s*', ', ', m.group(1)) + ']', text)
    with open(OUT, 'w') as f:
        f.write(text + '\n')
    print(f'wrote {os.path.relpath(OUT)}: torch {torch.__version__}, {len(cases)} cases x {STEPS} steps', file=sys.stderr)


if __name__ == '__main__':
    main()
