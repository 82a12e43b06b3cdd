"""PyTorch CPU reference for bench/forward.ts: torchvision MobileNetV2 features + global average pool (no
classifier, like the tfjs side), random weights, eval mode, no_grad, NCHW float32.

A line server so the bench can interleave it run by run with the tfjs engines: each stdin line is a JSON request,
each reply one stdout line starting with "@@".
  {"cmd": "setup", "alpha": 1.0, "size": 224, "batch": 32, "threads": 2, "warmup": 1}  → versions, threads
  "model": "vgg16" or "resnet50" instead of alpha (bench/kerasApps.ts): torchvision's vgg16().features + global
  average pool, or resnet50() without fc; random weights, eval, no_grad.
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
    if o.get("model") == "vgg16":
        # Keras' VGG16 notop (block5_pool) + the global average pool the product's features add.
        net = torchvision.models.vgg16().features.eval()
        pooled = lambda y: y.mean((2, 3))
    elif o.get("model") == "resnet50":
        # Everything but fc: conv1 … layer4 + adaptive average pool, as Keras' ResNet50 notop + pooling.
        net = torch.nn.Sequential(*list(torchvision.models.resnet50().children())[:-1]).eval()
        pooled = lambda y: y.flatten(1)
    else:
        net = torchvision.models.mobilenet_v2(width_mult=o["alpha"]).eval().features
        pooled = lambda y: y.mean((2, 3))
    x = torch.randn(o["batch"], 3, o["size"], o["size"])
    state["run"] = lambda: pooled(net(x))
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
