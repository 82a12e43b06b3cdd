"""PyTorch CPU reference for bench/kerasApps.ts's fine-tune part: torchvision's VGG16 split as the product splits
Keras' VGG16 at block5_conv1 (features[:24] = block1 … block4_pool, the frozen bottom; features[24:] = block5's three
convolutions + block5_pool, the trainable top), random weights, NCHW float32.
  mode "bottom": the frozen bottom's forward (eval, no_grad) on [batch, 3, 224, 224]: what fills the activation
                 cache;
  mode "cached": one training step of block5 + a head like the recipe's (global average pool → Linear 256 ReLU →
                 Dropout 0.5 → Linear 128 ReLU → Dropout 0.7 → Linear 1, BCE with logits), SGD 1e-4 momentum 0.9,
                 from [batch, 512, 14, 14] activations (what the cache holds).
A line server like forward.py:
  {"cmd": "setup", "mode": "cached", "batch": 32, "threads": 2}  → versions, shapes
  {"cmd": "step"}                                               → {"seconds": s}
"""
import time

import torch
import torchvision
from torch import nn

from lineserver import serve
from recipe import recipe_head, sgd_step

state = {}


def setup(o):
    torch.set_num_threads(o["threads"])
    torch.manual_seed(0)
    features = torchvision.models.vgg16().features
    bottom, top = features[:24], features[24:]
    n = o["batch"]
    if o["mode"] == "bottom":
        bottom.eval()
        x = torch.rand(n, 3, 224, 224) * 255 - 120

        def step():
            with torch.no_grad():
                bottom(x)

        params = []
    else:
        trainable = nn.Sequential(top, recipe_head(512)).train()
        params = list(trainable.parameters())
        x = torch.rand(n, 512, 14, 14)
        y = (torch.arange(n) % 2).float().unsqueeze(1)
        step = sgd_step(trainable, params, x, y)

    state["step"] = step
    step()
    return {"torch": torch.__version__, "torchvision": torchvision.__version__, "threads": torch.get_num_threads(),
            "batch": n, "inputShape": list(x.shape[1:]), "trainableParams": sum(p.numel() for p in params)}


def step(_o):
    t = time.perf_counter()
    state["step"]()
    return {"seconds": time.perf_counter() - t}


if __name__ == "__main__":
    serve({"setup": setup, "step": step})
