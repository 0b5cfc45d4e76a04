#!/usr/bin/env python3
"""Times the authors' training step on this machine: their Transformer (the einsum model of Nanda et
al.'s code, as tests/python/interchange_check.py transcribes it), their recipe (full batch, AdamW lr
1e-3 weight decay 1 betas 0.9/0.98, the warm-up scheduler, float64 cross-entropy at the final
position), the mainline task (a + b mod 113, 30 % training pairs). Prints the median step and test
evaluation in ms, on the given intra-op threads, as `grokking-cli bench` does for ours:

    /usr/bin/python3 scripts/bench-authors.py --threads 2 --repeats 30
    scripts/bench-vs-authors.sh        # both, at 1 and 2 threads, with the ratio

Needs Debian's python3-torch (1.13, the LibTorch version the app links).
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from train_full_run_data import authors_setup  # noqa: E402


def median_ms(repeats, f):
    for _ in range(3):  # warm up the allocator and the BLAS threads, as ours does
        f()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--p", type=int, default=113)
    ap.add_argument("--frac", type=float, default=0.3)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--d-model", type=int, default=128)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    train, test, _, opt, sched, loss_of = authors_setup(a.p, a.frac, 0, a.d_model, 1.0, layers=a.layers)

    def step():
        loss = loss_of(*train)
        loss.item()  # their loop logs it every epoch
        loss.backward()
        opt.step()
        sched.step()
        opt.zero_grad()

    def evaluate():
        with torch.no_grad():
            loss_of(*test).item()

    step_ms = median_ms(a.repeats, step)
    eval_ms = median_ms(a.repeats, evaluate)
    print(f"authors' PyTorch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"train pairs {len(train[0])}, test pairs {len(test[0])}, median of {a.repeats} runs")
    print(f"training step {step_ms:8.2f} ms")
    print(f"test evaluation {eval_ms:8.2f} ms")


if __name__ == "__main__":
    main()
