"""The one way the platform's Lightning models are fitted: on the CPU, deterministic, quiet, nothing on disk."""

from __future__ import annotations

import logging
import tempfile
import warnings

import lightning as L


def fit_on_cpu(model: L.LightningModule, datamodule: L.LightningDataModule, epochs: int) -> L.Trainer:
    """Fit `model` for `epochs` on one CPU device without loggers, checkpoints or progress bars.

    Returns the trainer (its `callback_metrics` hold the last epoch's logged values).
    """
    with tempfile.TemporaryDirectory() as root, warnings.catch_warnings():
        # Lightning suggests worker processes for the loaders; batches come from in-memory data in microseconds,
        # and workers would only compete for the machine's two cores.
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
        trainer = L.Trainer(
            max_epochs=epochs,
            accelerator="cpu",
            devices=1,
            deterministic=True,
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            default_root_dir=root,
            num_sanity_val_steps=0,
        )
        trainer.fit(model, datamodule=datamodule)
    return trainer
