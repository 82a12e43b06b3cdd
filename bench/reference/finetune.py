"""PyTorch CPU reference for bench/finetune.ts: fine-tuning torchvision MobileNetV2 0.35 @224's top block
(features[17] = Keras block_16, features[18] = Conv_1) + a head like the recipe's (GAP → Linear 256 ReLU →
Dropout 0.5 → Linear 128 ReLU → Dropout 0.7 → Linear 1, BCE with logits), SGD 1e-4 momentum 0.9, BatchNorm frozen
in eval mode, random weights and data.
  mode "cached": steps start from [batch, 56, 7, 7] activations at the cut (what our cache holds);
  mode "images": steps start from [batch, 3, 224, 224] images through the frozen bottom (requires_grad off).
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
    features = torchvision.models.mobilenet_v2(width_mult=0.35).features
    bottom, top = features[:17], features[17:]
    for p in bottom.parameters():
        p.requires_grad = False
    trainable = nn.Sequential(top, recipe_head(1280)).train()
    for m in list(bottom.modules()) + list(top.modules()):
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
            for p in m.parameters():
                p.requires_grad = False
    params = [p for p in trainable.parameters() if p.requires_grad]
    n = o["batch"]
    x = torch.rand(n, 56, 7, 7) if o["mode"] == "cached" else torch.rand(n, 3, 224, 224) * 2 - 1
    y = (torch.arange(n) % 2).float().unsqueeze(1)

    def frozen_bottom(images):
        with torch.no_grad():
            return bottom(images)

    step = sgd_step(trainable, params, x, y, frozen_bottom if o["mode"] == "images" else (lambda h: h))

    state["step"] = step
    step()
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": n, "inputShape": list(x.shape[1:]),
            "trainableParams": sum(p.numel() for p in params)}


def step(_o):
    t = time.perf_counter()
    state["step"]()
    return {"seconds": time.perf_counter() - t}


if __name__ == "__main__":
    serve({"setup": setup, "step": step})
