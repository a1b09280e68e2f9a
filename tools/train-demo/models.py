"""The three demo architectures. Every model takes N×1×28×28 pixels in [0,1] and normalises
them itself, so the browser never needs to know Fashion-MNIST statistics."""
import torch
from torch import nn

from data import MEAN, STD


class Normalize(nn.Module):
    """(x - mean) / std as the model's first op; exported as Sub + Div."""

    def forward(self, x):
        return (x - MEAN) / STD


def conv_bn(cin, cout, k=3, stride=1, groups=1, relu=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


# ---------------------------------------------------------------- ResNet (basic blocks)
class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.conv2 = conv_bn(cout, cout, 3, 1, relu=False)
        # A projection shortcut only where the shape changes, so pruning sees both kinds of add.
        self.shortcut = None if stride == 1 and cin == cout else conv_bn(cin, cout, 1, stride, relu=False)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        return self.relu(self.conv2(self.conv1(x)) + identity)


class ResNet(nn.Module):
    def __init__(self, widths=(16, 32, 64), blocks=(2, 2, 2), num_classes=10):
        super().__init__()
        self.normalize = Normalize()
        self.stem = conv_bn(1, widths[0], 3, 1)
        layers, cin = [], widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks)):
            for j in range(n):
                layers.append(BasicBlock(cin, w, 2 if (i > 0 and j == 0) else 1))
                cin = w
        self.stages = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.stages(self.stem(self.normalize(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


# ---------------------------------------------------------------- SqueezeNet (Fire modules)
class Fire(nn.Module):
    """squeeze 1×1 → (expand 1×1 ‖ expand 3×3) → channel concat, as in SqueezeNet v1.1."""

    def __init__(self, cin, squeeze, expand):
        super().__init__()
        self.squeeze = conv_bn(cin, squeeze, 1)
        self.expand1x1 = conv_bn(squeeze, expand, 1)
        self.expand3x3 = conv_bn(squeeze, expand, 3)

    def forward(self, x):
        s = self.squeeze(x)
        return torch.cat([self.expand1x1(s), self.expand3x3(s)], 1)


class SqueezeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.normalize = Normalize()
        self.features = nn.Sequential(
            conv_bn(1, 32, 3, 1),                        # 28×28
            nn.MaxPool2d(2),                             # 14×14
            Fire(32, 16, 32), Fire(64, 16, 32),
            nn.MaxPool2d(2),                             # 7×7
            Fire(64, 24, 48), Fire(96, 24, 48),
            Fire(96, 32, 64), Fire(128, 32, 64),
        )
        # SqueezeNet's classifier: a 1×1 conv to class maps, then global average pooling.
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Conv2d(128, num_classes, 1))
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = self.classifier(self.features(self.normalize(x)))
        return torch.flatten(self.pool(x), 1)


# ---------------------------------------------------------------- VGG (Flatten → Linear head)
class VGG(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.normalize = Normalize()
        self.features = nn.Sequential(
            conv_bn(1, 16), conv_bn(16, 16), nn.MaxPool2d(2),      # 14×14
            conv_bn(16, 32), conv_bn(32, 32), nn.MaxPool2d(2),     # 7×7
        )
        # Flatten → Linear: pruning a conv channel here removes 49 consecutive Linear inputs.
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.2), nn.Linear(32 * 7 * 7, 64), nn.ReLU(inplace=True),
            nn.Linear(64, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(self.normalize(x)))


def resnet8():
    """One basic block per stage: the CPU budget of a shared 2-core machine, still with residual adds."""
    return ResNet(widths=(16, 32, 64), blocks=(1, 1, 1))


class ViT(nn.Module):
    """torchvision's VisionTransformer (the code of ViT-B/16) at Fashion-MNIST size: 7×7 patches of
    the 28×28 image (16 tokens + class token), 3 blocks of width 64 with 4 heads and an MLP of 128
    (the CPU budget of a shared 2-core machine). The patch embedding reads 1 channel instead of 3;
    normalisation is inside like every demo."""

    def __init__(self, dim=64, depth=3, heads=4, mlp=128, patch=7, num_classes=10):
        super().__init__()
        from torchvision.models.vision_transformer import VisionTransformer
        self.normalize = Normalize()
        self.vit = VisionTransformer(image_size=28, patch_size=patch, num_layers=depth, num_heads=heads,
                                     hidden_dim=dim, mlp_dim=mlp, num_classes=num_classes, dropout=0.0)
        self.vit.conv_proj = nn.Conv2d(1, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.vit(self.normalize(x))


def vit_wide():
    """The held-out variant: another width and head count, never tuned on."""
    return ViT(dim=96, heads=6, mlp=192)


ARCHITECTURES = {
    "resnet": ResNet,
    "resnet8": resnet8,
    "squeezenet": SqueezeNet,
    "vgg": VGG,
    "vit": ViT,
    "vit-wide": vit_wide,
}


def count_macs(model, shape=(1, 1, 28, 28)):
    """Multiply-adds of every Conv2d, Linear and attention block for one image (BN, ReLU, pooling, adds ignored)."""
    total = [0]

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            total[0] += output.numel() // output.shape[0] * k
        elif isinstance(module, nn.MultiheadAttention):
            # Its projections run through F.linear (no Linear hook fires): in/out projections and the two attention MatMuls.
            y = output[0]  # called with keyword arguments: the output has the token count
            t = y.shape[1] if module.batch_first else y.shape[0]
            d = module.embed_dim
            total[0] += t * d * 3 * d + 2 * t * t * d + t * d * d
        elif isinstance(module, nn.Linear):
            total[0] += output.numel() // output.shape[0] * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear, nn.MultiheadAttention))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(shape))
    model.train(was_training)
    for h in handles:
        h.remove()
    return total[0]
