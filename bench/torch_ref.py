#!/usr/bin/python3
"""torch_ref.py: PyTorch reference figures for bench/run.sh (the same network, batch, threads).

  torch_ref.py train BATCH THREADS [SECONDS]   Siamese training: one forward + backward over
                                               2*BATCH images + an Adam step; pairs/s
  torch_ref.py infer BATCH THREADS [SECONDS]   inference (inference_mode, eval), images/s

Best CPU settings, as measured in /work/shared/bench-notes.md: channels_last tensors and model,
torch.set_num_threads(THREADS), warm-up steps, and (set by run.sh in the environment, since
glibc reads them at start-up) MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736.

The network is the engine's default (SR_NET_DEFAULT_2D): 3 x [conv 3x3 (64, 32, 16), relu,
maxpool 2, dropout 0.1], flatten, dense 2, for 1x64x64 input.  The Siamese loss is a cheap
function of both views' outputs (its cost is negligible), like the engine's bench.

Prints one line:  torch mode=train batch=32 threads=2 rate=312.4 unit=pairs/s steps=40
                  secs=3.01 rss_mb=412.3 base_rss_mb=301.2
rss_mb is the process's peak resident set (getrusage ru_maxrss); base_rss_mb the peak before
the first step (the interpreter, torch and its libraries), so rss_mb - base_rss_mb is what the
run itself added; cpu_rate is the work per CPU-second (user + system, all threads).
"""
import resource
import sys
import time

import torch
import torch.nn as nn


def cpu_s():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def net(n_out=2):
    return nn.Sequential(
        nn.Conv2d(1, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.1),
        nn.Conv2d(64, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.1),
        nn.Conv2d(32, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.1),
        nn.Flatten(), nn.Linear(16 * 6 * 6, n_out))


def main(argv):
    if len(argv) < 4 or argv[1] not in ("train", "infer"):
        sys.stderr.write("usage: torch_ref.py train|infer BATCH THREADS [SECONDS]\n")
        return 2
    mode, batch, threads = argv[1], int(argv[2]), int(argv[3])
    seconds = float(argv[4]) if len(argv) > 4 else 3.0
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = net().to(memory_format=torch.channels_last)
    n_img = 2 * batch if mode == "train" else batch
    x = torch.rand(n_img, 1, 64, 64).contiguous(memory_format=torch.channels_last)
    base = rss_mb()

    if mode == "train":
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            out = model(x)
            a, b = out[:batch], out[batch:]
            loss = ((a - b) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        per_step = batch  # pairs
        unit = "pairs/s"
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                model(x)
        per_step = batch
        unit = "images/s"

    for _ in range(3):  # warm-up: oneDNN primitive creation, allocator
        step()
    steps = 0
    t0, c0 = time.perf_counter(), cpu_s()
    while True:
        step()
        steps += 1
        dt = time.perf_counter() - t0
        if dt >= seconds and steps >= 3:
            break
    cpu_rate = per_step * steps / (cpu_s() - c0)
    print("torch mode=%s batch=%d threads=%d rate=%.1f unit=%s steps=%d secs=%.2f rss_mb=%.1f "
          "base_rss_mb=%.1f cpu_rate=%.1f" % (mode, batch, threads, per_step * steps / dt, unit,
                                              steps, dt, rss_mb(), base, cpu_rate))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
