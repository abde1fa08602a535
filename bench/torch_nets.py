#!/usr/bin/python3
"""torch_nets.py: PyTorch figures for the pipelines' own networks (bench/nets.sh).

  torch_nets.py NET train BATCH THREADS [SECONDS]   Siamese training: forward + backward over
                                                   2*BATCH images + an Adam step; pairs/s
  torch_nets.py NET infer BATCH THREADS [SECONDS]   inference (inference_mode, eval), images/s

NET is one of the networks bench/bench_nets.c builds from the same specs:
  exp2d    pipelines/exp2d.sh's: conv 16 5 stride 2; relu; conv 32 3 stride 2; relu; flatten;
           dense 256; relu; dense OUT (48x48 views, OUT = 36: 12 heads x 3)
  exp1d    examples/net1d.spec on 48-sample profiles, OUT = 36
  m2enc    method 2's encoder: exp2d's network with OUT = 38 (3 x 12 heads + 2 latents)
  m2dec    method 2's default decoder for 48x48 (lib/methods/generate.c sr_gen_decoder_spec)
           from a 16-value code: dense 256; relu; dense 1152; relu; reshape 32 6 6; 3 x
           [upsample 2 bilinear; conv C 3 same; relu] (C = 32, 16, 8); conv 1 3 same
Best CPU settings, as bench/torch_ref.py: channels_last for the 2D convolution networks,
torch.set_num_threads, warm-up steps, and (set by the caller) MALLOC_MMAP_MAX_=0
MALLOC_TRIM_THRESHOLD_=68719476736.  The loss is a cheap function of the outputs.

Prints one line: torch net=exp2d mode=train batch=32 threads=2 rate=... unit=pairs/s ...
"""
import resource
import sys
import time

import torch
import torch.nn as nn


def cpu_s():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def exp2d(n_out):
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, stride=2), nn.ReLU(), nn.Conv2d(16, 32, 3, stride=2), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 10 * 10, 256), nn.ReLU(), nn.Linear(256, n_out))


def exp1d(n_out):
    return nn.Sequential(
        nn.Conv1d(1, 32, 7, padding=3), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(64, 64, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
        nn.Flatten(), nn.Linear(64 * 6, 64), nn.ReLU(), nn.Linear(64, n_out))


class Reshape(nn.Module):
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


def m2dec():
    up = lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
    return nn.Sequential(
        nn.Linear(16, 256), nn.ReLU(), nn.Linear(256, 32 * 6 * 6), nn.ReLU(), Reshape(32, 6, 6),
        up(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
        up(), nn.Conv2d(32, 16, 3, padding=1), nn.ReLU(),
        up(), nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(),
        nn.Conv2d(8, 1, 3, padding=1))


# name: (model, input shape of one image, channels_last)
NETS = {
    "exp2d": (lambda: exp2d(36), (1, 48, 48), True),
    "exp1d": (lambda: exp1d(36), (1, 48), False),
    "m2enc": (lambda: exp2d(38), (1, 48, 48), True),
    "m2dec": (m2dec, (16,), True),
}


def main(argv):
    if len(argv) < 5 or argv[1] not in NETS or argv[2] not in ("train", "infer"):
        sys.stderr.write("usage: torch_nets.py exp2d|exp1d|m2enc|m2dec train|infer BATCH THREADS "
                         "[SECONDS]\n")
        return 2
    name, mode, batch, threads = argv[1], argv[2], int(argv[3]), int(argv[4])
    seconds = float(argv[5]) if len(argv) > 5 else 3.0
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    make, shape, cl = NETS[name]
    model = make()
    n_img = 2 * batch if mode == "train" else batch
    x = torch.rand(n_img, *shape)
    if cl and len(shape) == 3:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
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
        unit = "pairs/s"
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                model(x)
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
    print("torch net=%s mode=%s batch=%d threads=%d rate=%.1f unit=%s steps=%d secs=%.2f "
          "cpu_rate=%.1f" % (name, mode, batch, threads, batch * steps / dt, unit, steps, dt,
                             batch * steps / (cpu_s() - c0)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
