"""The 7×24 service assistant (智能客服): an online API that answers customers from their own data.

Thin FastAPI endpoints (`app.py`) over plain modules, each testable alone:

* `identify` — who wrote: a customer_id, or a phone number exactly one customer has (the contact timeline's rule);
* `intent` — `intent_classifier@champion` from MLflow, reloaded without a pause when a new champion is promoted;
* `outages` — transformer outages reported by the outage management system, recorded faults;
* `answers` — the answer of each kind (account, area_outage, work_order, knowledge, handoff, clarify);
* `orders` — repair orders built and dispatched by the nightly serving job's own code, sent through its outbox;
* `store` — the service's own tables: the conversation log (raw zone, personal data) and outages;
* `conversation` — one message from request to recorded answer, idempotent on message_id.

docs/assistant.md describes the API, the answer kinds and the settings.
"""
