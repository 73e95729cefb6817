"""The assistant's configuration, read from the environment once per process (never at import).

The warehouse, MLflow and ticketing come from `orchestration.resources.load_settings()`, so WAREHOUSE_URL,
MLFLOW_TRACKING_URI, TICKETING_URL and TICKETING_TOKEN mean the same thing for the service as for the nightly
run; only the service's own variables are read here:

| variable | default | what |
|---|---|---|
| ASSISTANT_API_KEYS | (unset: every request 401) | `channel=key,...`: app, wechat, ivr, counter, and oms (outage reports) |
| ASSISTANT_RATE_PER_KEY | 600 | messages per minute one channel adapter's key may send (per worker process) |
| ASSISTANT_RATE_PER_CUSTOMER | 20 | messages per minute about one customer (per worker process) |
| ASSISTANT_MAX_BODY_BYTES | 16384 | larger request bodies are refused with 413 |
| ASSISTANT_MODEL_POLL_S | 30 | how often the champion alias is checked for a newly promoted version |
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

from domain.codes import CHANNELS

OMS = "oms"  # the outage management system: reports outages, sends no messages
KEY_CHANNELS = (*CHANNELS, OMS)


@dataclass(frozen=True)
class AssistantSettings:
    """What the service needs; tests build their own."""

    warehouse_url: str
    mlflow_tracking_uri: str
    ticketing_url: str | None = None
    ticketing_token: str | None = field(default=None, repr=False)
    # API key -> the channel adapter it belongs to; never shown by repr.
    api_keys: dict[str, str] = field(default_factory=dict, repr=False)
    rate_per_key_per_min: int = 600
    rate_per_customer_per_min: int = 20
    max_body_bytes: int = 16_384
    model_poll_s: float = 30.0
    model_name: str = "intent_classifier"
    model_alias: str = "champion"

    @classmethod
    def from_env(cls) -> AssistantSettings:
        """The platform's shared settings plus the ASSISTANT_* variables."""
        from orchestration.resources import load_settings

        shared = load_settings()
        env = os.environ
        return cls(
            warehouse_url=shared.warehouse_url,
            mlflow_tracking_uri=shared.mlflow_tracking_uri,
            ticketing_url=shared.ticketing_url,
            ticketing_token=shared.ticketing_token,
            api_keys=parse_api_keys(env.get("ASSISTANT_API_KEYS", "")),
            rate_per_key_per_min=int(env.get("ASSISTANT_RATE_PER_KEY", "600")),
            rate_per_customer_per_min=int(env.get("ASSISTANT_RATE_PER_CUSTOMER", "20")),
            max_body_bytes=int(env.get("ASSISTANT_MAX_BODY_BYTES", "16384")),
            model_poll_s=float(env.get("ASSISTANT_MODEL_POLL_S", "30")),
        )


def parse_api_keys(spec: str) -> dict[str, str]:
    """`app=k1,wechat=k2` -> {"k1": "app", "k2": "wechat"}.

    Raises:
        ValueError: an unknown channel, a pair without `=`, or one key given to two channels (the key is
            what tells the channels apart), naming the pair but never the key.
    """
    keys: dict[str, str] = {}
    for n, pair in enumerate(p.strip() for p in spec.split(",")):
        if not pair:
            continue
        channel, sep, key = (s.strip() for s in pair.partition("="))
        if not sep or not key:
            raise ValueError(f"ASSISTANT_API_KEYS: pair {n + 1} ({channel or '?'}) is not channel=key")
        if channel not in KEY_CHANNELS:
            raise ValueError(f"ASSISTANT_API_KEYS: unknown channel {channel!r}; known: {', '.join(KEY_CHANNELS)}")
        if key in keys and keys[key] != channel:
            raise ValueError(f"ASSISTANT_API_KEYS: the key of {channel} is also the key of {keys[key]}")
        keys[key] = channel
    return keys


@functools.cache
def load_assistant_settings() -> AssistantSettings:
    """The environment's settings, read on first use and kept for the process."""
    return AssistantSettings.from_env()
