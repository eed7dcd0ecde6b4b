#!/usr/bin/python3
"""PyTorch CPU peer for bench/train.ts: full C3D training steps (forward + backward + SGD update) with
a 101-way head, Caffe ceil pooling, dropout 0.5 active, at the given batch sizes.

Usage: /usr/bin/python3 tools/bench/torch_train.py --batch 2 --warmup 1 --steps 3 --threads 2
Prints one JSON line: {"torch": version, "threads": n, "results": [{"batch", "seconds" (median step),
"all": [...], "update_all": [...] (the optimizer.step() part of each), "losses": [...], "maxrss_bytes"}]}.
bench/train.ts runs one batch size per process, so maxrss is that configuration's own.

The optimizer is Caffe's solver set-up as two SGD parameter groups: weights lr x1, weight decay 0.005;
biases lr x2, decay 0; momentum 0.9. (torch's SGD folds lr in after the momentum buffer, Caffe before;
same work per step, so the same speed.) Weights start as Caffe's initialisation, so the activations
are in the range our side sees (src/nn/params.ts initParams).
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn

from torch_c3d import C3D  # the forward bench's net: same features (Caffe ceil pooling)


def training_c3d(classes):
    """C3D for training: fc6/fc7 followed by ReLU and dropout 0.5, fc8 logits (the loss applies softmax)."""
    net = C3D(classes)
    net.classifier = nn.Sequential(
        nn.Linear(8192, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, classes))
    convs = [m for m in net.features if isinstance(m, nn.Conv3d)]
    fcs = [m for m in net.classifier if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for i, m in enumerate(convs):  # conv N(0, 0.01), bias 0 for conv1a and 1 for the others
            m.weight.normal_(0, 0.01)
            m.bias.fill_(0 if i == 0 else 1)
        for m in fcs[:-1]:  # fc6, fc7: N(0, 0.005), bias 1
            m.weight.normal_(0, 0.005)
            m.bias.fill_(1)
        fcs[-1].weight.normal_(0, 0.01)  # fc8: N(0, 0.01), bias 0
        fcs[-1].bias.zero_()
    return net.train()


def caffe_sgd(net, lr, momentum, weight_decay):
    """Two groups, as Caffe's blobs_lr / weight_decay multipliers: weights (1, 1), biases (2, 0)."""
    weights = [p for n, p in net.named_parameters() if n.endswith('weight')]
    biases = [p for n, p in net.named_parameters() if n.endswith('bias')]
    return torch.optim.SGD([
        {'params': weights, 'lr': lr, 'weight_decay': weight_decay},
        {'params': biases, 'lr': 2 * lr, 'weight_decay': 0.0},
    ], lr=lr, momentum=momentum)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', default='2')
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--steps', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--classes', type=int, default=101)
    ap.add_argument('--lr', type=float, default=0.003)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = training_c3d(a.classes)
    opt = caffe_sgd(net, a.lr, 0.9, 0.005)
    loss_fn = nn.CrossEntropyLoss()  # mean over the batch, as our step's loss
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'results': []}
    for b in [int(s) for s in a.batch.split(',')]:
        x = torch.randn(b, 3, 16, 112, 112)
        y = torch.arange(b) % a.classes
        times, updates, losses = [], [], []
        for k in range(a.warmup + a.steps):
            t = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x), y)
            loss.backward()
            u = time.perf_counter()
            opt.step()
            end = time.perf_counter()
            if k >= a.warmup:  # warm-up: allocator, weight packing, momentum buffers
                times.append(end - t)
                updates.append(end - u)
                losses.append(loss.item())
        out['results'].append({'batch': b, 'seconds': statistics.median(times), 'all': times, 'update_all': updates,
                               'losses': losses,
                               'maxrss_bytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
        print(f'torch train batch {b}: {statistics.median(times):.3f} s/step', file=sys.stderr)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
