#!/usr/bin/python3
"""PyTorch CPU peer for bench/kernels.ts: times conv3d forward, backward-input and backward-weight.

Reads a JSON list of layers ({"name", "c", "o", "d", "h", "w"}: 3x3x3 kernels, pad 1, stride 1,
batch 1) from stdin and prints one JSON object per (layer, op) with the best wall-clock and process CPU times in ms.
Usage: /usr/bin/python3 tools/bench/torch_conv.py --threads 2 --reps 3 < layers.json
"""
import argparse
import json
import sys
import time

import torch


def best_ms(fn, reps):
    """Best wall-clock and best process CPU time (all threads) in ms over `reps` runs after a warm-up."""
    fn()
    best, best_cpu = float("inf"), float("inf")
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        fn()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best * 1e3, best_cpu * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layers = json.load(sys.stdin)
    with torch.no_grad():
        for layer in layers:
            x = torch.randn(1, layer["c"], layer["d"], layer["h"], layer["w"])
            w = torch.randn(layer["o"], layer["c"], 3, 3, 3)
            b = torch.randn(layer["o"])
            y = torch.nn.functional.conv3d(x, w, b, padding=1)
            dy = torch.randn_like(y)
            conv_args = ([layer["o"]], [1, 1, 1], [1, 1, 1], [1, 1, 1], False, [0, 0, 0], 1)
            ops = {
                "forward": lambda: torch.nn.functional.conv3d(x, w, b, padding=1),
                "backward-input": lambda: torch.ops.aten.convolution_backward(dy, x, w, *conv_args, [True, False, False]),
                "backward-weight": lambda: torch.ops.aten.convolution_backward(dy, x, w, *conv_args, [False, True, False]),
            }
            for op, fn in ops.items():
                ms, cpu_ms = best_ms(fn, args.reps)
                print(json.dumps({"layer": layer["name"], "op": op, "ms": ms, "cpu_ms": cpu_ms}), flush=True)


if __name__ == "__main__":
    main()
