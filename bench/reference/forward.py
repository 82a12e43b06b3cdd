"""PyTorch CPU reference for bench/forward.ts: torchvision MobileNetV2 features + global average pool (no
classifier, like the tfjs side), random weights, eval mode, no_grad, NCHW float32.

A line server so the bench can interleave it run by run with the tfjs engines: each stdin line is a JSON request,
each reply one stdout line starting with "@@".
  {"cmd": "setup", "alpha": 1.0, "size": 224, "batch": 32, "threads": 2, "warmup": 1}  → versions, threads
  {"cmd": "run"}                                                                    → {"seconds": s}
"""
import time

import torch
import torchvision

from lineserver import serve

state = {}


def setup(o):
    torch.set_num_threads(o["threads"])
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(width_mult=o["alpha"]).eval()
    x = torch.randn(o["batch"], 3, o["size"], o["size"])
    state["run"] = lambda: model.features(x).mean((2, 3))
    with torch.no_grad():
        for _ in range(o["warmup"]):
            state["run"]()
    return {"torch": torch.__version__, "torchvision": torchvision.__version__, "threads": torch.get_num_threads(), "batch": o["batch"]}


def run(_o):
    with torch.no_grad():
        t = time.perf_counter()
        state["run"]()
        return {"seconds": time.perf_counter() - t}


if __name__ == "__main__":
    serve({"setup": setup, "run": run})
