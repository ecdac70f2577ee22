"""A variational autoencoder on scikit-learn's 8x8 digits, written with
``torch.distributions``: the encoder gives a ``Normal`` posterior, a latent code is drawn
with ``rsample`` (the reparameterization trick, so gradients reach the encoder), the decoder
scores the image under ``Bernoulli`` logits, and ``kl_divergence`` to the standard normal
prior completes the ELBO. At the end it decodes a few codes drawn from the prior.

Runs unchanged under PyTorch (``python examples/vae_digits.py``) and ember
(``ember run examples/vae_digits.py``), printing the same numbers. Argument: the number of
epochs (default 8)."""
import sys

import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence
from torch.utils.data import DataLoader, TensorDataset


class VAE(nn.Module):
    def __init__(self, pixels=64, hidden=48, latent=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(pixels, hidden), nn.Tanh(),
                                     nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.Tanh(),
                                     nn.Linear(hidden, pixels))

    def posterior(self, x):
        loc, log_scale = self.encoder(x).chunk(2, dim=-1)
        return Independent(Normal(loc, log_scale.exp()), 1)

    def likelihood(self, z):
        return Independent(Bernoulli(logits=self.decoder(z)), 1)


def main(epochs):
    torch.manual_seed(0)
    # pixels binarized (Bernoulli's support is {0, 1})
    images = (torch.tensor(load_digits().data) > 7).float()
    loader = DataLoader(TensorDataset(images), batch_size=128, shuffle=True)
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    prior = Independent(Normal(torch.zeros(2), torch.ones(2)), 1)
    for epoch in range(epochs):
        total = 0.0
        for (x,) in loader:
            q = model.posterior(x)
            z = q.rsample()
            # the negative ELBO: reconstruction under the decoder plus the KL to the prior
            loss = (kl_divergence(q, prior) - model.likelihood(z).log_prob(x)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(x)
        print(f"epoch {epoch}  negative ELBO {total / len(images):.3f}")
    with torch.no_grad():
        codes = prior.sample((3,))
        mean_images = model.likelihood(codes).mean
    print("codes from the prior:", [[round(v, 3) for v in c] for c in codes.tolist()])
    print("their decoded mean intensity:", [round(m, 3) for m in mean_images.mean(1).tolist()])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
