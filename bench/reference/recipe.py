"""What the PyTorch references share with the product's recipe: its head (global average pool → Dense 256 ReLU →
Dropout 0.5 → Dense 128 ReLU → Dropout 0.7 → one logit) and its fine-tuning step (SGD 1e-4, momentum 0.9, binary
cross-entropy on the logit)."""
import torch
from torch import nn


def recipe_head(channels):
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 256), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.7), nn.Linear(128, 1))


def sgd_step(trainable, params, x, y, inputs=lambda x: x):
    """One training step of `trainable` on inputs(x) (e.g. a frozen bottom's forward) against labels y."""
    opt = torch.optim.SGD(params, lr=1e-4, momentum=0.9)
    loss_fn = nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(trainable(inputs(x)), y)
        loss.backward()
        opt.step()

    return step
