"""The peer (torch_fit.py of ../shared/bench) with pdfemu's default output structure: the last Linear
layer has M units and the network's output is y = sum_{k<M} z_k^2 - softplus(offset), offset a learned
scalar (pdfemu's "sum_of_squares" head, Configs/hera14.json). Everything else is torch_fit.py's own code.

Usage: python peer_head.py --peer-dir DIR --sos-components M [torch_fit.py arguments...]
With M = 0 the network is torch_fit.py's unchanged (a Linear layer with one output).
A checkpoint for --load-model holds the Sequential's state_dict: Linear layers at the even indices
("0.weight", ...), the head's offset as "<2·layers+1>.offset".
"""
import sys


def split_args(argv):
    peer_dir, m, rest, i = None, 0, [], 0
    while i < len(argv):
        if argv[i] == "--peer-dir":
            peer_dir = argv[i + 1]; i += 2
        elif argv[i] == "--sos-components":
            m = int(argv[i + 1]); i += 2
        else:
            rest.append(argv[i]); i += 1
    if peer_dir is None:
        sys.exit("error: peer_head.py: --peer-dir is required")
    if m < 0:
        sys.exit("error: peer_head.py: --sos-components must be >= 0")
    return peer_dir, m, rest


def main():
    peer_dir, m, rest = split_args(sys.argv[1:])
    sys.path.insert(0, peer_dir)
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch_fit

    class SumOfSquares(nn.Module):
        """y = sum_k z_k^2 - softplus(offset), shape (batch, 1); offset starts at -4 as in pdfemu."""

        def __init__(self):
            super().__init__()
            self.offset = nn.Parameter(torch.full((1,), -4.0))

        def forward(self, z):
            return (z * z).sum(-1, keepdim=True) - F.softplus(self.offset)

    if m > 0:
        plain = torch_fit.make_mlp

        def make_mlp(p, hidden, layers, act):
            seq = plain(p, hidden, layers, act)
            last = seq[-1]
            mods = list(seq.children())[:-1] + [nn.Linear(last.in_features, m), SumOfSquares()]
            return nn.Sequential(*mods)

        torch_fit.make_mlp = make_mlp
    sys.argv = [peer_dir + "/torch_fit.py"] + rest
    torch_fit.main()


if __name__ == "__main__":
    main()
