"""A character-level GPT (nanoGPT in miniature) trained on a text this script generates:
token and position embeddings, pre-norm transformer blocks with causal
``F.scaled_dot_product_attention``, AdamW. The loss falls from about ln(vocab) within a
minute; a sample is printed at the end.

Runs unchanged under PyTorch (``python examples/char_gpt.py``) and ember
(``ember run examples/char_gpt.py``). Argument: the number of steps (default 150)."""
import math
import random
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_text(n_lines=400, seed=0):
    """Little sentences of counting and colours: enough structure to learn quickly."""
    rng = random.Random(seed)
    words = ["red", "green", "blue", "black", "white"]
    things = ["cat", "dog", "bird", "fish"]
    lines = []
    for _ in range(n_lines):
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        lines.append(f"{a} {rng.choice(words)} {rng.choice(things)}s and {b} more make "
                     f"{a + b}.")
    return "\n".join(lines) + "\n"


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.n_head = n_head
        self.ln1, self.ln2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)
        self.qkv, self.proj = nn.Linear(n_embd, 3 * n_embd), nn.Linear(n_embd, n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(),
                                 nn.Linear(4 * n_embd, n_embd))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).contiguous().view(B, T, C))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block, n_embd=64, n_head=4, n_layer=2):
        super().__init__()
        self.block = block
        self.wte, self.wpe = nn.Embedding(vocab, n_embd), nn.Embedding(block, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f, self.head = nn.LayerNorm(n_embd), nn.Linear(n_embd, vocab, bias=False)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T))
        return self.head(self.ln_f(self.blocks(x)))

    @torch.no_grad()
    def generate(self, idx, n):
        for _ in range(n):
            logits = self(idx[:, -self.block:])[:, -1]
            nxt = torch.multinomial(F.softmax(logits, dim=-1), 1)
            idx = torch.cat([idx, nxt], dim=1)
        return idx


def main(steps=150):
    # A model this small gains nothing from a threaded BLAS, and on a machine whose cores are
    # busy the threads' waiting for each other costs up to 20x (measured under PyTorch too).
    torch.set_num_threads(1)
    torch.manual_seed(0)
    text = make_text()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text])
    block, batch = 32, 16
    model = GPT(len(chars), block)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    print(f"{len(text)} characters, vocabulary {len(chars)} (ln = {math.log(len(chars)):.2f}), "
          f"{sum(p.numel() for p in model.parameters())} parameters")
    for step in range(steps + 1):
        ix = torch.randint(len(data) - block - 1, (batch,))
        x = torch.stack([data[i:i + block] for i in ix.tolist()])
        y = torch.stack([data[i + 1:i + block + 1] for i in ix.tolist()])
        loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 25 == 0:
            print(f"step {step:4d}  loss {loss.item():.3f}")
    out = model.generate(torch.tensor([[stoi["1"]]]), 60)[0].tolist()
    print("sample:", repr("".join(chars[i] for i in out)))
    return loss.item()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 150)
