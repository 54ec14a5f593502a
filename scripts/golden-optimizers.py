#!/usr/bin/python3
"""Golden trajectories of torch.optim optimizers and lr_scheduler schedules for the tests.

Run with Debian's PyTorch (apt-get install -y python3-torch libopenblas0-pthread):

    /usr/bin/python3 scripts/golden-optimizers.py

It writes test/fixtures/golden/optimizers.json (optimizers) and
test/fixtures/golden/schedules.json (learning-rate schedules).

Optimizers: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, each on
its single-tensor path (foreach=False). The problem is a tiny two-layer MLP in float32 on CPU:

    h = tanh(x @ W1 + b1)        W1 [4,3], b1 [3]
    y = h @ W2 + b2              W2 [3,2], b2 [2]
    loss = mean((y - t) ** 2)    x [8,4], t [8,2]

Inputs, targets and initial weights are stored in the JSON as float32 values (each JSON
number is the exact float32 value), so the TF.js tests can recompute the gradients.
For every case it records, at every step, the learning rate, the loss before the step,
the gradients torch computed and the parameters after the step.

Schedules: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, SequentialLR(LinearLR, ...)
(trainyard's linearWarmup), OneCycleLR (lr only: cycle_momentum=False) and ReduceLROnPlateau,
each on a one-parameter SGD optimizer, stepped as in training (optimizer.step() then
scheduler.step()). For every case it records the lr after construction and after each
scheduler step, and for ReduceLROnPlateau the metric it was fed.
"""

import json
import os
import platform
import re
import sys
import warnings

import torch

STEPS = 25
SEED = 20240525

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'golden', 'optimizers.json')
OUT_SCHEDULES = os.path.join(HERE, '..', 'test', 'fixtures', 'golden', 'schedules.json')

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
ADAMW_DEFAULTS = dict(ADAM_DEFAULTS, weightDecay=1e-2)
RMSPROP_DEFAULTS = dict(lr=1e-2, alpha=0.99, eps=1e-8, weightDecay=0.0, momentum=0.0, centered=False, maximize=False)
ADAGRAD_DEFAULTS = dict(lr=1e-2, lrDecay=0.0, weightDecay=0.0, initialAccumulatorValue=0.0, eps=1e-10, maximize=False)
ADADELTA_DEFAULTS = dict(lr=1.0, rho=0.9, eps=1e-6, weightDecay=0.0, maximize=False)
ADAMAX_DEFAULTS = dict(lr=2e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0.0, maximize=False)
NADAM_DEFAULTS = dict(lr=2e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0.0, momentumDecay=4e-3)
RADAM_DEFAULTS = dict(lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0.0)

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
] + [
    ('adamw-defaults', 'adamw', dict(ADAMW_DEFAULTS), None),
    ('adamw-lr-weight-decay', 'adamw', dict(ADAMW_DEFAULTS, lr=0.02, weightDecay=0.1), None),
    ('adamw-amsgrad', 'adamw', dict(ADAMW_DEFAULTS, lr=0.02, betas=[0.8, 0.99], weightDecay=0.05, amsgrad=True), None),
    ('adamw-maximize-lr-schedule', 'adamw', dict(ADAMW_DEFAULTS, lr=0.01, maximize=True),
     [0.01 * (0.9 ** s) for s in range(STEPS)]),
    ('rmsprop-defaults', 'rmsprop', dict(RMSPROP_DEFAULTS), None),
    ('rmsprop-centered-momentum-weight-decay', 'rmsprop',
     dict(RMSPROP_DEFAULTS, lr=0.005, alpha=0.9, momentum=0.9, centered=True, weightDecay=0.01), None),
    ('rmsprop-momentum-eps', 'rmsprop', dict(RMSPROP_DEFAULTS, lr=0.001, momentum=0.5, eps=1e-4), None),
    ('rmsprop-centered-maximize-lr-schedule', 'rmsprop', dict(RMSPROP_DEFAULTS, lr=0.003, centered=True, maximize=True),
     [0.003 / (1 + 0.1 * s) for s in range(STEPS)]),
    ('adagrad-defaults', 'adagrad', dict(ADAGRAD_DEFAULTS), None),
    ('adagrad-lr-decay-accumulator-weight-decay', 'adagrad',
     dict(ADAGRAD_DEFAULTS, lr=0.05, lrDecay=0.05, initialAccumulatorValue=0.1, weightDecay=0.01, eps=1e-8), None),
    ('adagrad-maximize-lr-schedule', 'adagrad', dict(ADAGRAD_DEFAULTS, lr=0.05, lrDecay=0.01, maximize=True),
     [0.05 * (0.95 ** s) for s in range(STEPS)]),
    ('adadelta-defaults', 'adadelta', dict(ADADELTA_DEFAULTS), None),
    ('adadelta-rho-eps-weight-decay', 'adadelta', dict(ADADELTA_DEFAULTS, lr=0.5, rho=0.95, eps=1e-5, weightDecay=0.01), None),
    ('adadelta-maximize', 'adadelta', dict(ADADELTA_DEFAULTS, lr=2.0, maximize=True), None),
    ('adamax-defaults', 'adamax', dict(ADAMAX_DEFAULTS), None),
    ('adamax-betas-eps-weight-decay', 'adamax', dict(ADAMAX_DEFAULTS, lr=0.01, betas=[0.8, 0.99], eps=1e-6, weightDecay=0.02), None),
    ('adamax-maximize', 'adamax', dict(ADAMAX_DEFAULTS, lr=0.01, maximize=True), None),
    ('nadam-defaults', 'nadam', dict(NADAM_DEFAULTS), None),
    ('nadam-weight-decay-momentum-decay', 'nadam',
     dict(NADAM_DEFAULTS, lr=0.01, betas=[0.8, 0.99], weightDecay=0.01, momentumDecay=0.01), None),
    ('nadam-lr-schedule', 'nadam', dict(NADAM_DEFAULTS, lr=0.01, eps=1e-6),
     [0.01 * (1 + s) / STEPS for s in range(STEPS)]),
    ('radam-defaults', 'radam', dict(RADAM_DEFAULTS), None),
    ('radam-weight-decay', 'radam', dict(RADAM_DEFAULTS, lr=0.01, weightDecay=0.01), None),
    ('radam-betas-eps', 'radam', dict(RADAM_DEFAULTS, lr=0.02, betas=[0.8, 0.9], eps=1e-6), None),
]


TORCH_OPTIMIZERS = {
    'sgd': torch.optim.SGD, 'adam': torch.optim.Adam, 'adamw': torch.optim.AdamW, 'rmsprop': torch.optim.RMSprop,
    'adagrad': torch.optim.Adagrad, 'adadelta': torch.optim.Adadelta, 'adamax': torch.optim.Adamax,
    'nadam': torch.optim.NAdam, 'radam': torch.optim.RAdam,
}


def snake(name):
    return re.sub(r'[A-Z]', lambda m: '_' + m.group(0).lower(), name)


def make_optimizer(kind, p, params):
    """torch.optim.<kind> on its single-tensor path; kwargs are the camelCase params in snake_case."""
    kwargs = {snake(k): (tuple(v) if k == 'betas' else v) for k, v in p.items()}
    opt = TORCH_OPTIMIZERS[kind](params, foreach=False, **kwargs)
    return opt, {k: (list(v) if k == 'betas' else v) for k, v in kwargs.items()}


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


# ---- learning-rate schedules -----------------------------------------------------------------

SCHEDULE_DEFAULTS = {
    'step': dict(interval='epoch', gamma=0.1),
    'multiStep': dict(interval='epoch', gamma=0.1),
    'exponential': dict(interval='epoch'),
    'cosineAnnealing': dict(interval='epoch', etaMin=0.0),
    'linearWarmup': dict(interval='epoch', startFactor=1.0 / 3),
    'oneCycle': dict(interval='step', pctStart=0.3, annealStrategy='cos', divFactor=25.0, finalDivFactor=1e4,
                     threePhase=False),
    'reduceOnPlateau': dict(interval='epoch', metric='testLoss', mode='min', factor=0.1, patience=10, threshold=1e-4,
                            thresholdMode='rel', cooldown=0, minLr=0.0, eps=1e-8),
}


def spec(type_, **params):
    """A schedule spec as trainyard reads it after normalize: {type, ...every param, defaults filled}."""
    return dict(type=type_, **dict(SCHEDULE_DEFAULTS[type_], **params))


# A validation-loss curve that falls, flattens, wobbles and falls again: with patience 2 and
# cooldown 2 it makes ReduceLROnPlateau cut the lr several times, sit out cooldowns and stop at min_lr.
PLATEAU_LOSS = [1.0, 0.8, 0.7, 0.65, 0.648, 0.646, 0.66, 0.64, 0.58, 0.585, 0.583, 0.584, 0.59, 0.57, 0.569,
                0.571, 0.55, 0.551, 0.552, 0.549, 0.5489, 0.5488, 0.53, 0.531, 0.532, 0.533, 0.534, 0.52, 0.5201,
                0.5202, 0.5203, 0.5204, 0.51, 0.511, 0.512]
PLATEAU_ACCURACY = [0.5, 0.62, 0.7, 0.74, 0.742, 0.741, 0.75, 0.76, 0.757, 0.762, 0.78, 0.779, 0.781, 0.7805, 0.79,
                    0.8, 0.801, 0.8015, 0.802, 0.8, 0.81, 0.815, 0.8151, 0.8152, 0.82, 0.8201, 0.8202, 0.8203]

# (name, spec, context {baseLr, epochs, stepsPerEpoch}, scheduler steps, metric values fed (ReduceLROnPlateau) or None)
SCHEDULE_CASES = [
    ('step', spec('step', stepSize=7, gamma=0.5), dict(baseLr=0.1, epochs=30, stepsPerEpoch=10), 30, None),
    ('step-default-gamma', spec('step', stepSize=3), dict(baseLr=1.0, epochs=25, stepsPerEpoch=10), 25, None),
    ('multi-step', spec('multiStep', milestones=[5, 12, 12, 20], gamma=0.3), dict(baseLr=0.05, epochs=30, stepsPerEpoch=10), 30, None),
    ('exponential', spec('exponential', gamma=0.9), dict(baseLr=0.01, epochs=30, stepsPerEpoch=10), 30, None),
    ('cosine-annealing', spec('cosineAnnealing', tMax=25), dict(baseLr=0.1, epochs=25, stepsPerEpoch=10), 25, None),
    ('cosine-annealing-eta-min-past-tmax', spec('cosineAnnealing', tMax=10, etaMin=0.001),
     dict(baseLr=0.1, epochs=35, stepsPerEpoch=10), 35, None),
    ('linear-warmup-cosine', spec('linearWarmup', startFactor=0.1, warmup=5,
                                  then=spec('cosineAnnealing', tMax=20, etaMin=1e-4)),
     dict(baseLr=0.1, epochs=30, stepsPerEpoch=10), 30, None),
    ('linear-warmup-constant', spec('linearWarmup', warmup=8), dict(baseLr=0.02, epochs=25, stepsPerEpoch=10), 25, None),
    ('linear-warmup-step', spec('linearWarmup', interval='step', startFactor=0.25, warmup=4,
                                then=spec('step', interval='step', stepSize=6, gamma=0.5)),
     dict(baseLr=0.3, epochs=3, stepsPerEpoch=10), 30, None),
    ('one-cycle-cos', spec('oneCycle', maxLr=0.1, totalSteps=30), dict(baseLr=0.01, epochs=3, stepsPerEpoch=10), 30, None),
    ('one-cycle-cos-from-context', spec('oneCycle'), dict(baseLr=0.05, epochs=4, stepsPerEpoch=8), 32, None),
    ('one-cycle-linear-three-phase', spec('oneCycle', maxLr=0.2, totalSteps=40, pctStart=0.25, annealStrategy='linear',
                                          divFactor=10.0, finalDivFactor=100.0, threePhase=True),
     dict(baseLr=0.01, epochs=4, stepsPerEpoch=10), 40, None),
    ('one-cycle-linear', spec('oneCycle', interval='epoch', maxLr=1.0, totalSteps=27, annealStrategy='linear'),
     dict(baseLr=0.01, epochs=27, stepsPerEpoch=10), 27, None),
    ('reduce-on-plateau-min-rel', spec('reduceOnPlateau', factor=0.5, patience=2, threshold=0.01, cooldown=2, minLr=0.01),
     dict(baseLr=0.1, epochs=len(PLATEAU_LOSS), stepsPerEpoch=10), len(PLATEAU_LOSS), PLATEAU_LOSS),
    ('reduce-on-plateau-defaults', spec('reduceOnPlateau'),
     dict(baseLr=0.1, epochs=36, stepsPerEpoch=10), 36, [1.0] * 14 + [0.9] * 14 + [0.8999] * 8),
    ('reduce-on-plateau-eps', spec('reduceOnPlateau', factor=0.5, patience=0),
     dict(baseLr=3e-8, epochs=25, stepsPerEpoch=10), 25, [1.0] * 25),
    ('reduce-on-plateau-max-abs', spec('reduceOnPlateau', metric='testAccuracy', mode='max', factor=0.2, patience=1,
                                       threshold=0.005, thresholdMode='abs', minLr=1e-5),
     dict(baseLr=0.01, epochs=len(PLATEAU_ACCURACY), stepsPerEpoch=10), len(PLATEAU_ACCURACY), PLATEAU_ACCURACY),
]


def torch_scheduler(s, ctx, opt):
    lrs = torch.optim.lr_scheduler
    t = s['type']
    if t == 'step':
        return lrs.StepLR(opt, step_size=s['stepSize'], gamma=s['gamma'])
    if t == 'multiStep':
        return lrs.MultiStepLR(opt, milestones=s['milestones'], gamma=s['gamma'])
    if t == 'exponential':
        return lrs.ExponentialLR(opt, gamma=s['gamma'])
    if t == 'cosineAnnealing':
        return lrs.CosineAnnealingLR(opt, T_max=s['tMax'], eta_min=s['etaMin'])
    if t == 'linearWarmup':
        warm = lrs.LinearLR(opt, start_factor=s['startFactor'], end_factor=1.0, total_iters=s['warmup'])
        then = torch_scheduler(s['then'], ctx, opt) if s.get('then') else lrs.LambdaLR(opt, lambda _: 1.0)
        return lrs.SequentialLR(opt, [warm, then], milestones=[s['warmup']])
    if t == 'oneCycle':
        per = ctx['stepsPerEpoch'] if s['interval'] == 'step' else 1
        total = s.get('totalSteps') or ctx['epochs'] * per
        return lrs.OneCycleLR(opt, max_lr=s.get('maxLr', ctx['baseLr']), total_steps=total, pct_start=s['pctStart'],
                              anneal_strategy=s['annealStrategy'], cycle_momentum=False, div_factor=s['divFactor'],
                              final_div_factor=s['finalDivFactor'], three_phase=s['threePhase'])
    if t == 'reduceOnPlateau':
        return lrs.ReduceLROnPlateau(opt, mode=s['mode'], factor=s['factor'], patience=s['patience'],
                                     threshold=s['threshold'], threshold_mode=s['thresholdMode'],
                                     cooldown=s['cooldown'], min_lr=s['minLr'], eps=s['eps'])
    raise ValueError(t)


def run_schedule_case(name, s, ctx, steps, metric_values):
    # SequentialLR itself calls scheduler.step(0) at its milestone (torch 1.13), which warns.
    warnings.filterwarnings('ignore', message=re.escape('The epoch parameter in `scheduler.step()`'))
    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=ctx['baseLr'])
    sched = torch_scheduler(s, ctx, opt)
    lrs = [opt.param_groups[0]['lr']]
    metrics = None if metric_values is None else [{s['metric']: v} for v in metric_values[:steps]]
    for k in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[k][s['metric']])
        lrs.append(opt.param_groups[0]['lr'])
    torch_class = type(sched).__name__
    if s['type'] == 'linearWarmup':
        torch_class = 'SequentialLR([LinearLR, %s])' % type(sched._schedulers[1]).__name__
    return dict(name=name, schedule=s, context=ctx, torch=torch_class, advances=steps, metrics=metrics, lrs=lrs)


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = json.dumps(doc, indent=1)
    # Keep arrays of numbers on one line each: readable diffs without one number per line.
    text = re.sub(r'\[\s*([-0-9.eE+]+(?:,\s*[-0-9.eE+]+)*)\s*\]',
                  lambda m: '[' + re.sub(r',\s*', ', ', m.group(1)) + ']', text)
    with open(path, 'w') as f:
        f.write(text + '\n')


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
    write_json(OUT, doc)
    print(f'wrote {os.path.relpath(OUT)}: torch {torch.__version__}, {len(cases)} cases x {STEPS} steps', file=sys.stderr)

    schedules = [run_schedule_case(*c) for c in SCHEDULE_CASES]
    write_json(OUT_SCHEDULES, dict(
        generator='scripts/golden-optimizers.py',
        torchVersion=torch.__version__,
        python=platform.python_version(),
        description='lrs[0] is the lr after the scheduler is made, lrs[k] the lr after k scheduler steps '
                    '(optimizer.step() then scheduler.step(), or scheduler.step(metrics[k-1][metric]) for ReduceLROnPlateau)',
        cases=schedules,
    ))
    print(f'wrote {os.path.relpath(OUT_SCHEDULES)}: {len(schedules)} schedule cases', file=sys.stderr)

if __name__ == '__main__':
    main()
