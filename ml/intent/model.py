"""The intent network: token embedding → BiLSTM → masked max/mean pooling over time → linear."""

from __future__ import annotations

import lightning as L
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ml.intent.labels import OUTCOMES

POOLINGS = ("max", "mean", "maxmean")


class IntentLSTM(L.LightningModule):
    """BiLSTM text classifier trained with cross-entropy.

    Sequences are packed, so neither direction of the LSTM reads padding: a message gets the same logits
    whatever batch it is in (batched inference then equals one-by-one inference).
    """

    def __init__(
        self,
        vocab_size: int,
        bigram_vocab_size: int = 0,
        num_classes: int = len(OUTCOMES),
        embedding_dim: int = 64,
        hidden_size: int = 96,
        num_layers: int = 1,
        dropout: float = 0.3,
        token_dropout: float = 0.1,
        pooling: str = "maxmean",
        learning_rate: float = 3e-3,
        weight_decay: float = 1e-4,
        label_smoothing: float = 0.05,
        embedding_skip: bool = False,
    ) -> None:
        """Build the layers; every argument is saved as a hyperparameter and in the model artifact."""
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.save_hyperparameters()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        # Summed with the token embedding rather than concatenated: the LSTM input stays `embedding_dim`
        # wide, so bigrams cost one lookup per token and nothing in the recurrent part.
        self.bigram_embedding = (
            nn.Embedding(bigram_vocab_size, embedding_dim, padding_idx=0) if bigram_vocab_size else None
        )
        self.lstm = nn.LSTM(
            embedding_dim,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        pooled = 2 * hidden_size * (2 if pooling == "maxmean" else 1) + (2 * embedding_dim if embedding_skip else 0)
        self.head = nn.Linear(pooled, num_classes)
        self.loss = nn.CrossEntropyLoss(label_smoothing=label_smoothing)

    def forward(self, ids: torch.Tensor, bigram_ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits (batch, classes) for padded token and bigram ids (batch, time) and true lengths (batch,)."""
        embedded = self.embedding(ids)
        if self.bigram_embedding is not None:
            embedded = embedded + self.bigram_embedding(bigram_ids)
        embedded = self.dropout(embedded)
        if bool((lengths == ids.size(1)).all()):
            # No padding in the batch (inference groups messages by length): packing would only add overhead.
            out, _ = self.lstm(embedded)
        else:
            packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, _ = self.lstm(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.size(1))
        mask = (torch.arange(ids.size(1), device=ids.device)[None, :] < lengths[:, None].to(ids.device))[..., None]
        pools = []
        if self.hparams.pooling in ("max", "maxmean"):
            pools.append(out.masked_fill(~mask, float("-inf")).amax(dim=1))
        if self.hparams.pooling in ("mean", "maxmean"):
            pools.append((out * mask).sum(dim=1) / lengths[:, None].to(out.dtype).to(out.device))
        if self.hparams.embedding_skip:
            # Max and mean of the embeddings themselves next to the LSTM features: a bag-of-characters-and-
            # bigrams path that lets one decisive word (锦旗, 过户) count wherever it sits in a long message.
            pools.append(embedded.masked_fill(~mask, float("-inf")).amax(dim=1))
            pools.append((embedded * mask).sum(dim=1) / lengths[:, None].to(embedded.dtype).to(embedded.device))
        return self.head(self.dropout(torch.cat(pools, dim=1)))

    def _drop_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        # Real messages contain characters the corpus never had (names, rare typos); replacing a few training
        # tokens and bigrams by <unk> (id 1) teaches the model to classify from the rest of the message.
        if self.hparams.token_dropout <= 0:
            return ids
        drop = (torch.rand(ids.shape, device=ids.device) < self.hparams.token_dropout) & (ids > 1)
        return ids.masked_fill(drop, 1)

    def training_step(self, batch: tuple[torch.Tensor, ...], batch_idx: int) -> torch.Tensor:
        """Cross-entropy on one batch, with token dropout."""
        ids, bigram_ids, lengths, labels = batch
        logits = self(self._drop_tokens(ids), self._drop_tokens(bigram_ids), lengths)
        loss = self.loss(logits, labels)
        self.log("train/loss", loss, on_step=False, on_epoch=True, batch_size=len(labels))
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, ...], batch_idx: int) -> None:
        """Validation loss and accuracy, averaged over the epoch."""
        ids, bigram_ids, lengths, labels = batch
        logits = self(ids, bigram_ids, lengths)
        self.log("val/loss", self.loss(logits, labels), on_epoch=True, batch_size=len(labels))
        self.log("val/acc", (logits.argmax(dim=1) == labels).float().mean(), on_epoch=True, batch_size=len(labels))

    def configure_optimizers(self) -> dict:
        """AdamW with a one-cycle schedule over the whole run: warm-up then anneal, no tuning of when to decay."""
        optimizer = torch.optim.AdamW(
            self.parameters(), lr=self.hparams.learning_rate, weight_decay=self.hparams.weight_decay
        )
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=self.hparams.learning_rate, total_steps=int(self.trainer.estimated_stepping_batches)
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
