"""Trains the paper's model in PyTorch with the authors' recipe and saves a full_run_data-style file
(their released full_run_data.pth's keys: state_dicts, epochs, train_losses (every epoch),
test_losses (every 10 epochs), config):
what a researcher who trained in Python brings to Grokking Lab (`grokking-cli import`, File > Open).

    python3 tests/python/train_full_run_data.py --p 113 --epochs 11880 --save-every 120 --out full_run_data.pth
    python3 tests/python/train_full_run_data.py --p 59 --frac 0.35 --weight-decay 3 --epochs 1980 \
        --save-every 20 --out quick.pth    # the quick preset's task: groks in ~1 600 epochs

The model is the authors' class as tests/python/interchange_check.py transcribes it; the training
is theirs (train.py): full batch, AdamW(lr 1e-3, weight decay 1, betas 0.9/0.98), 10 warm-up steps,
float64 cross-entropy over all p+1 outputs, the split of random.seed(seed); random.shuffle(pairs).
"""
import argparse
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interchange_check import Transformer  # noqa: E402


def authors_setup(p, frac, seed, d_model, weight_decay, layers=1, heads=4):
    """The authors' run as their train.py builds it: the split of random.seed(seed); random.shuffle(pairs),
    their Transformer seeded by torch.manual_seed(seed), AdamW with the 10-step warm-up, and the float64
    cross-entropy at the final position. Returns (train, test, model, opt, sched, loss_of)."""
    pairs = [(i, j) for i in range(p) for j in range(p)]
    random.seed(seed)
    random.shuffle(pairs)
    cut = int(frac * len(pairs))
    data = torch.tensor([(i, j, p) for i, j in pairs])
    labels = torch.tensor([(i + j) % p for i, j in pairs])
    train, test = (data[:cut], labels[:cut]), (data[cut:], labels[cut:])
    torch.manual_seed(seed)
    model = Transformer(layers, p + 1, d_model, 4 * d_model, d_model // heads, heads, 3)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=weight_decay, betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: min(step / 10, 1))

    def loss_of(x, y):
        lp = model(x)[:, -1].to(torch.float64).log_softmax(dim=-1)
        return -lp.gather(1, y[:, None]).mean()

    return train, test, model, opt, sched, loss_of


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p", type=int, default=113)
    ap.add_argument("--frac", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=11880)
    ap.add_argument("--save-every", type=int, default=120)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--weight-decay", type=float, default=1.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    p = a.p
    heads = 4
    train, test, model, opt, sched, loss_of = authors_setup(p, a.frac, a.seed, a.d_model, a.weight_decay)

    state_dicts, epochs, train_losses, test_losses = [], [], [], []
    for epoch in range(a.epochs + 1):
        loss = loss_of(*train)
        train_losses.append(loss.item())
        if epoch % 10 == 0 or epoch % a.save_every == 0:  # the released file logs test losses every 10 epochs
            with torch.no_grad():
                test_loss = loss_of(*test).item()
            if epoch % 10 == 0:
                test_losses.append(test_loss)
        if epoch % a.save_every == 0:
            state_dicts.append({k: v.clone() for k, v in model.state_dict().items()})
            epochs.append(epoch)
            print(f"epoch {epoch}: train {loss.item():.4g}, test {test_loss:.4g}", flush=True)
        if epoch == a.epochs:
            break
        loss.backward()
        opt.step()
        sched.step()
        opt.zero_grad()
    config = {"p": p, "fn_name": "add", "frac_train": a.frac, "seed": a.seed, "lr": 1e-3, "weight_decay": a.weight_decay,
              "num_epochs": a.epochs, "save_every": a.save_every, "d_model": a.d_model, "num_heads": heads}
    torch.save({"state_dicts": state_dicts, "epochs": epochs, "train_losses": train_losses,
                "test_losses": test_losses, "config": config}, a.out)
    print(f"saved {len(state_dicts)} checkpoints to {a.out}")


if __name__ == "__main__":
    main()
