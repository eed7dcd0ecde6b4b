#!/usr/bin/python3
"""PyTorch CPU peer for bench/c3d.ts: the full C3D forward (Caffe ceil pooling) at the given batch sizes.

Usage: /usr/bin/python3 tools/bench/torch_c3d.py --batch 1,8 --reps 3 --threads 2
Prints one JSON line: {"torch": version, "threads": n, "results": [{"batch", "seconds" (best of reps),
"all": [...], "maxrss_bytes"}]}. Weights are random (speed does not depend on their values).
"""
import argparse
import json
import resource
import sys
import time

import torch
import torch.nn as nn


class C3D(nn.Module):
    """C3D (Tran et al. 2015, fig. 3) with Caffe's ceil-mode pooling; fc6/fc7 after ReLU."""

    def __init__(self, classes=487):
        super().__init__()
        def conv(c, o):
            return [nn.Conv3d(c, o, 3, padding=1), nn.ReLU(inplace=True)]
        def pool(k):
            return [nn.MaxPool3d(k, k, ceil_mode=True)]
        self.features = nn.Sequential(
            *conv(3, 64), *pool((1, 2, 2)), *conv(64, 128), *pool(2), *conv(128, 256), *conv(256, 256), *pool(2),
            *conv(256, 512), *conv(512, 512), *pool(2), *conv(512, 512), *conv(512, 512), *pool(2))
        self.classifier = nn.Sequential(
            nn.Linear(8192, 4096), nn.ReLU(inplace=True), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, classes), nn.Softmax(dim=1))

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', default='1,8')
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = C3D().eval()
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'results': []}
    with torch.no_grad():
        for b in [int(s) for s in a.batch.split(',')]:
            x = torch.randn(b, 3, 16, 112, 112)
            net(x)  # warm-up: allocator, weight packing
            times = []
            for _ in range(a.reps):
                t = time.perf_counter()
                net(x)
                times.append(time.perf_counter() - t)
            out['results'].append({'batch': b, 'seconds': min(times), 'all': times,
                                   'maxrss_bytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
            print(f'torch batch {b}: {min(times):.3f} s', file=sys.stderr)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
