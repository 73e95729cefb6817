"""The network: an LSTM encoder over the input days, an LSTM decoder over the forecast days' calendar,
three quantiles per day (10%, 50%, 90%: the median and an 80% interval) trained with the pinball loss."""

from __future__ import annotations

import lightning as L
import torch
from torch import nn

from ml.consumption.data import N_DECODER, N_ENCODER, N_STATIC

QUANTILES = (0.1, 0.5, 0.9)


def pinball_loss(predicted: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean quantile loss over observed targets; `predicted` (n, horizon, len(QUANTILES)), others (n, horizon).

    `mask` is 0 for a missing target and otherwise the target's weight (1 unless weighted by scale).
    """
    q = torch.tensor(QUANTILES, dtype=predicted.dtype, device=predicted.device)
    error = target.unsqueeze(-1) - predicted
    loss = torch.maximum(q * error, (q - 1) * error) * mask.unsqueeze(-1)
    return loss.sum() / ((mask > 0).sum() * len(QUANTILES)).clamp(min=1)


class ConsumptionLSTM(L.LightningModule):
    """Seq2seq LSTM: the encoder's final state starts the decoder; static features enter every step."""

    def __init__(
        self,
        hidden_size: int = 48,
        num_layers: int = 1,
        dropout: float = 0.1,
        learning_rate: float = 3e-3,
        weight_decay: float = 1e-5,
    ) -> None:
        """Build the layers; the arguments are saved as hyperparameters (and in the model artifact)."""
        super().__init__()
        self.save_hyperparameters()
        self.encoder = nn.LSTM(
            N_ENCODER + N_STATIC,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.decoder = nn.LSTM(
            N_DECODER + N_STATIC,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        # The head also sees the decoder's own inputs, so the weekday prior can pass straight through.
        self.head = nn.Linear(hidden_size + N_DECODER + N_STATIC, len(QUANTILES))

    def forward(self, encoder: torch.Tensor, decoder: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        """Scaled kWh quantiles (n, horizon, 3), sorted so the interval never crosses the median."""
        enc_in = torch.cat([encoder, static.unsqueeze(1).expand(-1, encoder.shape[1], -1)], dim=-1)
        _, state = self.encoder(enc_in)
        dec_in = torch.cat([decoder, static.unsqueeze(1).expand(-1, decoder.shape[1], -1)], dim=-1)
        out, _ = self.decoder(dec_in, state)
        quantiles = self.head(torch.cat([self.dropout(out), dec_in], dim=-1))
        return torch.sort(quantiles, dim=-1).values

    def _step(self, batch: list[torch.Tensor], stage: str) -> torch.Tensor:
        encoder, decoder, static, target, mask = batch
        loss = pinball_loss(self(encoder, decoder, static), target, mask)
        self.log(f"{stage}/loss", loss, prog_bar=False, on_epoch=True, on_step=False, batch_size=len(target))
        return loss

    def training_step(self, batch: list[torch.Tensor], batch_idx: int) -> torch.Tensor:
        """Pinball loss of one batch."""
        return self._step(batch, "train")

    def validation_step(self, batch: list[torch.Tensor], batch_idx: int) -> None:
        """Pinball loss on the held-back training windows."""
        self._step(batch, "val")

    def configure_optimizers(self) -> torch.optim.Optimizer:
        """AdamW; a few epochs over a few thousand windows need no schedule."""
        return torch.optim.AdamW(
            self.parameters(), lr=self.hparams.learning_rate, weight_decay=self.hparams.weight_decay
        )
