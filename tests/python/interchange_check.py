"""PyTorch's side of tests/test_interchange.cpp (a test-only dependency: Debian's python3-torch).

check-export: our .pt exports load with torch.load(weights_only=True) into the authors' Transformer
  (strict=True) and into a TransformerLens-layout forward, give our logits and the run's test losses.
write-fixtures: checkpoint files as Python users write them (torch.save), good and bad, to import.

The authors' classes are transcribed from progress-measures-paper's transformers.py (use_ln=False,
no hooks: they hold no weights); the TransformerLens forward follows HookedTransformer's einsums.
"""
import math
import os
import random
import struct
import sys
import zipfile
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


class Embed(nn.Module):
    def __init__(self, d_vocab, d_model):
        super().__init__()
        self.W_E = nn.Parameter(torch.randn(d_model, d_vocab) / math.sqrt(d_model))

    def forward(self, x):
        return torch.einsum("dbp -> bpd", self.W_E[:, x])


class Unembed(nn.Module):
    def __init__(self, d_vocab, d_model):
        super().__init__()
        self.W_U = nn.Parameter(torch.randn(d_model, d_vocab) / math.sqrt(d_vocab))

    def forward(self, x):
        return x @ self.W_U


class PosEmbed(nn.Module):
    def __init__(self, max_ctx, d_model):
        super().__init__()
        self.W_pos = nn.Parameter(torch.randn(max_ctx, d_model) / math.sqrt(d_model))

    def forward(self, x):
        return x + self.W_pos[: x.shape[-2]]


class Attention(nn.Module):
    def __init__(self, d_model, num_heads, d_head, n_ctx):
        super().__init__()
        self.W_K = nn.Parameter(torch.randn(num_heads, d_head, d_model) / math.sqrt(d_model))
        self.W_Q = nn.Parameter(torch.randn(num_heads, d_head, d_model) / math.sqrt(d_model))
        self.W_V = nn.Parameter(torch.randn(num_heads, d_head, d_model) / math.sqrt(d_model))
        self.W_O = nn.Parameter(torch.randn(d_model, d_head * num_heads) / math.sqrt(d_model))
        self.register_buffer("mask", torch.tril(torch.ones((n_ctx, n_ctx))))
        self.d_head = d_head

    def forward(self, x):
        k = torch.einsum("ihd,bpd->biph", self.W_K, x)
        q = torch.einsum("ihd,bpd->biph", self.W_Q, x)
        v = torch.einsum("ihd,bpd->biph", self.W_V, x)
        scores = torch.einsum("biph,biqh->biqp", k, q)
        n = x.shape[-2]
        masked = torch.tril(scores) - 1e10 * (1 - self.mask[:n, :n])
        pattern = F.softmax(masked / math.sqrt(self.d_head), dim=-1)
        z = torch.einsum("biph,biqp->biqh", v, pattern)
        z_flat = z.permute(0, 2, 1, 3).reshape(z.shape[0], z.shape[2], -1)  # b i q h -> b q (i h)
        return torch.einsum("df,bqf->bqd", self.W_O, z_flat)


class MLP(nn.Module):
    def __init__(self, d_model, d_mlp):
        super().__init__()
        self.W_in = nn.Parameter(torch.randn(d_mlp, d_model) / math.sqrt(d_model))
        self.b_in = nn.Parameter(torch.zeros(d_mlp))
        self.W_out = nn.Parameter(torch.randn(d_model, d_mlp) / math.sqrt(d_model))
        self.b_out = nn.Parameter(torch.zeros(d_model))

    def forward(self, x):
        x = F.relu(torch.einsum("md,bpd->bpm", self.W_in, x) + self.b_in)
        return torch.einsum("dm,bpm->bpd", self.W_out, x) + self.b_out


class TransformerBlock(nn.Module):
    def __init__(self, d_model, d_mlp, d_head, num_heads, n_ctx):
        super().__init__()
        self.attn = Attention(d_model, num_heads, d_head, n_ctx)
        self.mlp = MLP(d_model, d_mlp)

    def forward(self, x):
        x = x + self.attn(x)
        return x + self.mlp(x)


class Transformer(nn.Module):
    def __init__(self, num_layers, d_vocab, d_model, d_mlp, d_head, num_heads, n_ctx):
        super().__init__()
        self.embed = Embed(d_vocab, d_model)
        self.pos_embed = PosEmbed(n_ctx, d_model)
        self.blocks = nn.ModuleList(
            [TransformerBlock(d_model, d_mlp, d_head, num_heads, n_ctx) for _ in range(num_layers)])
        self.unembed = Unembed(d_vocab, d_model)

    def forward(self, x):
        x = self.pos_embed(self.embed(x))
        for block in self.blocks:
            x = block(x)
        return self.unembed(x)


def authors_model(sd):
    """The authors' Transformer of the state dict's shape, loaded with strict=True."""
    d_model, d_vocab = sd["embed.W_E"].shape
    num_heads, d_head, _ = sd["blocks.0.attn.W_Q"].shape
    layers = len({k.split(".")[1] for k in sd if k.startswith("blocks.")})
    model = Transformer(layers, d_vocab, d_model, sd["blocks.0.mlp.W_in"].shape[0], d_head, num_heads, 3)
    model.load_state_dict(sd, strict=True)
    return model


def tl_forward(sd, cfg, tokens):
    """HookedTransformer's forward (no LayerNorm, relu) written from its einsums."""
    x = sd["embed.W_E"][tokens] + sd["pos_embed.W_pos"][: tokens.shape[1]]
    for l in range(cfg["n_layers"]):
        b = f"blocks.{l}."
        q = torch.einsum("bpd,hdk->bphk", x, sd[b + "attn.W_Q"]) + sd[b + "attn.b_Q"]
        k = torch.einsum("bpd,hdk->bphk", x, sd[b + "attn.W_K"]) + sd[b + "attn.b_K"]
        v = torch.einsum("bpd,hdk->bphk", x, sd[b + "attn.W_V"]) + sd[b + "attn.b_V"]
        scores = torch.einsum("bqhk,bphk->bhqp", q, k) / math.sqrt(cfg["d_head"])
        n = tokens.shape[1]
        scores = torch.where(sd[b + "attn.mask"][:n, :n], scores, sd[b + "attn.IGNORE"])
        pattern = scores.softmax(dim=-1)
        z = torch.einsum("bhqp,bphk->bqhk", pattern, v)
        x = x + torch.einsum("bqhk,hkd->bqd", z, sd[b + "attn.W_O"]) + sd[b + "attn.b_O"]
        post = F.relu(x @ sd[b + "mlp.W_in"] + sd[b + "mlp.b_in"])
        x = x + post @ sd[b + "mlp.W_out"] + sd[b + "mlp.b_out"]
    return x @ sd["unembed.W_U"] + sd["unembed.b_U"]


def all_pairs(p):
    a = torch.arange(p).repeat_interleave(p)
    b = torch.arange(p).repeat(p)
    return torch.stack([a, b, torch.full_like(a, p)], dim=1)  # row a*p + b: a, b, '='


def test_loss(logits, p, frac, seed):
    """The authors' test loss: their split (random.shuffle), float64 log-softmax over all p+1 outputs
    (their full_loss reads model(data)[:, -1]; only the analyses drop the '=' logit)."""
    pairs = [(i, j) for i in range(p) for j in range(p)]
    random.seed(seed)
    random.shuffle(pairs)
    test = pairs[int(frac * len(pairs)):]
    rows = torch.tensor([i * p + j for i, j in test])
    labels = torch.tensor([(i + j) % p for i, j in test])
    lp = logits[rows].to(torch.float64).log_softmax(dim=-1)
    return -lp.gather(1, labels[:, None]).mean().item()


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    return ok


class OneLayerMLP(nn.Module):
    """Chughtai et al.'s (rep_theory/utils/models.py), hooks aside: their constructor's draws."""

    def __init__(self, n, embed_dim, hidden, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.W_x = nn.Parameter(torch.randn(n, embed_dim) / math.sqrt(embed_dim))
        self.W_y = nn.Parameter(torch.randn(n, embed_dim) / math.sqrt(embed_dim))
        self.W = nn.Parameter(torch.randn(2 * embed_dim, hidden) / math.sqrt(2 * embed_dim))
        self.W_U = nn.Parameter(torch.randn(hidden, n) / math.sqrt(hidden))

    def forward(self, data):
        x = torch.cat([self.W_x[data[:, 0]], self.W_y[data[:, 1]]], dim=-1)
        return F.relu(x @ self.W) @ self.W_U


class Fcn(nn.Module):
    """Gromov's / Doshi et al.'s fcn (utils/models.py) with x^2, on [onehot(a), onehot(b)]."""

    def __init__(self, n, hidden):
        super().__init__()
        self.fc1 = nn.Linear(2 * n, hidden, bias=False)
        self.fc2 = nn.Linear(hidden, n, bias=False)

    def forward(self, data):
        n = self.fc2.weight.shape[0]
        x = torch.cat([F.one_hot(data[:, 0], n), F.one_hot(data[:, 1], n)], dim=-1).float()
        return self.fc2(self.fc1(x) ** 2)


def check_mlp(args):
    """args: kind (mlp | quadratic-mlp) export.pt logits.bin n seed out.pt: our export loads strictly into
    the authors' class and gives our logits; out.pt is their class freshly constructed with `seed`
    (torch.save(model.state_dict()), as their code saves), for the importer."""
    kind, export, logits_file, n, seed, out = args
    n, seed = int(n), int(seed)
    sd = torch.load(export, weights_only=True)
    if kind == "mlp":
        model = OneLayerMLP(n, sd["W_x"].shape[1], sd["W"].shape[1], 0)
    else:
        model = Fcn(n, sd["fc1.weight"].shape[0])
    model.load_state_dict(sd, strict=True)
    pairs = torch.tensor([[a, b] for a in range(n) for b in range(n)])
    with torch.no_grad():
        got = model(pairs)
    want = torch.frombuffer(bytearray(open(logits_file, "rb").read()), dtype=torch.float32).reshape(n * n, n)
    err = (got - want).abs().max().item()
    print(f"ok {kind} export loads strictly, logits within {err:.2g}" if err < 1e-4 else f"logits differ by {err}")
    fresh = OneLayerMLP(n, sd["W_x"].shape[1], sd["W"].shape[1], seed) if kind == "mlp" else model
    torch.save(fresh.state_dict(), out)
    return err < 1e-4


def check_export(args):
    """args: dir p frac seed epoch test_loss logits.bin"""
    d, p, frac, seed, epoch, want_loss, logits_file = args
    p, frac, seed, epoch, want_loss = int(p), float(frac), int(seed), int(epoch), float(want_loss)
    ours = torch.frombuffer(bytearray(open(logits_file, "rb").read()), dtype=torch.float32).reshape(p * p, p + 1)
    tokens = all_pairs(p)
    good = True
    sd = torch.load(os.path.join(d, "authors.pt"), weights_only=True)
    with torch.no_grad():
        logits = authors_model(sd)(tokens)[:, -1]
    diff = (logits - ours).abs().max().item()
    good &= check(diff <= 1e-5, f"authors.pt strict load, logits max |diff| {diff:.2e} (<= 1e-5)")
    loss = test_loss(logits, p, frac, seed)
    good &= check(abs(loss - want_loss) <= 1e-5 * max(1, want_loss),
                  f"authors.pt test loss {loss:.8f}, the run's at epoch {epoch} {want_loss:.8f}")
    tl = torch.load(os.path.join(d, "transformer-lens.pt"), weights_only=True)
    with torch.no_grad():
        tl_logits = tl_forward(tl["state_dict"], tl["config"], tokens)[:, -1]
    diff = (tl_logits - ours).abs().max().item()
    good &= check(diff <= 1e-5, f"transformer-lens.pt logits max |diff| {diff:.2e} (<= 1e-5)")
    loss = test_loss(tl_logits, p, frac, seed)
    good &= check(abs(loss - want_loss) <= 1e-5 * max(1, want_loss), f"transformer-lens.pt test loss {loss:.8f}")
    cfg = tl["config"]
    good &= check(cfg["act_fn"] == "relu" and cfg["normalization_type"] is None and cfg["d_vocab"] == p + 1
                  and cfg["n_ctx"] == 3 and tl["epoch"] == epoch, f"transformer-lens config {cfg}")
    for name, layout in (("authors-all.pt", "authors"), ("transformer-lens-all.pt", "tl")):
        run = torch.load(os.path.join(d, name), weights_only=True)
        worst = 0.0
        for sd, e, tl_loss in zip(run["state_dicts"], run["epochs"], run["test_losses"].tolist()):
            with torch.no_grad():
                lg = (authors_model(sd)(tokens) if layout == "authors" else tl_forward(sd, run["config"], tokens))[:, -1]
            worst = max(worst, abs(test_loss(lg, p, frac, seed) - tl_loss) / max(1, tl_loss))
        good &= check(worst <= 1e-5 and run["epochs"][-1] == epoch,
                      f"{name}: {len(run['state_dicts'])} checkpoints, test losses reproduced (worst rel {worst:.1e})")
    return good


def check_loss(args):
    """args: authors.pt transformer-lens.pt p frac seed run_test_loss: both exports' test loss."""
    a_file, tl_file, p, frac, seed, want = args
    p, frac, seed, want = int(p), float(frac), int(seed), float(want)
    tokens = all_pairs(p)
    with torch.no_grad():
        a = authors_model(torch.load(a_file, weights_only=True))(tokens)[:, -1]
        tl = torch.load(tl_file, weights_only=True)
        t = tl_forward(tl["state_dict"], tl["config"], tokens)[:, -1]
    good = True
    for name, logits in ((a_file, a), (tl_file, t)):
        loss = test_loss(logits, p, frac, seed)
        good &= check(abs(loss - want) <= 1e-5 * max(1.0, want),
                      f"{name}: test loss {loss:.10g} (the run's: {want:.10g}, rel diff {abs(loss - want) / want:.1e})")
    return good


def resave_zip(src, dst, edit):
    """Copies a torch zip file, passing data.pkl through edit(bytes)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item.filename, edit(data) if item.filename.endswith("data.pkl") else data)


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch " + self.marker,))


def write_fixtures(args):
    """args: dir (holding authors-all.pt) marker_path"""
    d, marker = args
    run = torch.load(os.path.join(d, "authors-all.pt"), weights_only=True)
    sds, epochs = run["state_dicts"], run["epochs"]
    model = authors_model(sds[-1])
    torch.save(model.state_dict(), os.path.join(d, "py-plain.pt"))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0)
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epochs[-1]},
               os.path.join(d, "py-nested.pt"))
    torch.save(OrderedDict((k, nn.Parameter(v)) for k, v in model.state_dict().items()),
               os.path.join(d, "py-params.pt"))
    torch.save(model.double().state_dict(), os.path.join(d, "py-float64.pt"))
    # The authors' released layout: every checkpoint, losses per epoch (NaN where not logged).
    p = sds[0]["embed.W_E"].shape[1] - 1
    ours = run["config"]
    cfg = {"p": p, "fn_name": ours["fn_name"], "frac_train": float(ours["frac_train"]), "seed": ours["seed"],
           "lr": float(ours["lr"]), "weight_decay": float(ours["weight_decay"]),
           "num_epochs": epochs[-1], "save_every": epochs[1] - epochs[0], "d_model": sds[0]["embed.W_E"].shape[0]}
    # Losses as the authors' file logs them: train every epoch, test every 10 (NaN where unknown here).
    train = [float("nan")] * (epochs[-1] + 1)
    test = [float("nan")] * (epochs[-1] // 10 + 1)
    for e, a, b in zip(epochs, run["train_losses"].tolist(), run["test_losses"].tolist()):
        train[e], test[e // 10] = a, b
    torch.save({"state_dicts": sds, "epochs": epochs, "train_losses": train, "test_losses": test, "config": cfg},
               os.path.join(d, "py-full_run_data.pth"))
    # Another common shape: the final model, a list of checkpoints, losses one per checkpoint.
    torch.save({"model": sds[-1], "config": cfg, "checkpoints": sds, "checkpoint_epochs": epochs,
                "train_losses": run["train_losses"].tolist(), "test_losses": run["test_losses"].tolist()},
               os.path.join(d, "py-checkpoints.pth"))
    # TransformerLens layout as a TL-trained model has it: W_U p wide (no '=' output).
    tl = torch.load(os.path.join(d, "transformer-lens.pt"), weights_only=True)
    sd = OrderedDict(tl["state_dict"])
    sd["unembed.W_U"] = sd["unembed.W_U"][:, :p].clone()
    sd["unembed.b_U"] = sd["unembed.b_U"][:p].clone()
    torch.save({"state_dict": sd, "config": dict(tl["config"], d_vocab_out=p)}, os.path.join(d, "py-tl.pt"))
    torch.save(sd, os.path.join(d, "py-tl-bare.pt"))
    # Tensors saved from a GPU: their storages say cuda:0 (rewritten, this machine has no GPU).
    resave_zip(os.path.join(d, "py-plain.pt"), os.path.join(d, "py-gpu.pt"),
               lambda b: b.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0"))
    # Refused: a non-zero attention bias, LayerNorm weights.
    bad = OrderedDict(sd)
    bad["blocks.0.attn.b_Q"] = torch.ones_like(bad["blocks.0.attn.b_Q"])
    torch.save(bad, os.path.join(d, "bad-bias.pt"))
    bad = OrderedDict(sd)
    bad["blocks.0.ln1.w"] = torch.ones(sds[0]["embed.W_E"].shape[0])
    torch.save(bad, os.path.join(d, "bad-layernorm.pt"))
    # Malicious: pickles that would run a command.
    torch.save({"model": model.state_dict(), "payload": Evil(marker)}, os.path.join(d, "bad-evil.pt"))
    torch.save(Evil(marker), os.path.join(d, "bad-evil-root.pt"))
    # Foreign and damaged.
    torch.save(model.state_dict(), os.path.join(d, "bad-legacy.pt"), _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.script(nn.Linear(2, 2)), os.path.join(d, "bad-torchscript.pt"))
    with zipfile.ZipFile(os.path.join(d, "bad-foreign.zip"), "w") as z:
        z.writestr("readme.txt", "not a checkpoint")
    whole = open(os.path.join(d, "py-plain.pt"), "rb").read()
    open(os.path.join(d, "bad-truncated.pt"), "wb").write(whole[: len(whole) // 2])
    open(os.path.join(d, "bad-empty.pt"), "wb").close()
    open(os.path.join(d, "bad-garbage.pt"), "wb").write(bytes(random.Random(1).getrandbits(8) for _ in range(4096)))
    resave_zip(os.path.join(d, "py-plain.pt"), os.path.join(d, "bad-pickle.pt"), lambda b: b[: len(b) // 2])
    # A storage id whose tensor claims more elements than its storage holds.
    resave_zip(os.path.join(d, "py-plain.pt"), os.path.join(d, "bad-overreach.pt"),
               lambda b: b.replace(b"K\x03K\x03\x86", b"M\x00\x04K\x03\x86", 1))
    print("fixtures written")
    return True


if __name__ == "__main__":
    torch.manual_seed(0)
    cmd = sys.argv[1]
    good = {"check-export": check_export, "check-loss": check_loss, "write-fixtures": write_fixtures,
            "check-mlp": check_mlp}[cmd](sys.argv[2:])
    sys.exit(0 if good else 1)
