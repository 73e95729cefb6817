"""Chinese intent classifier for customer messages (eight intents, see `labels.INTENTS`, or out of scope).

Public API, as the Dagster assets call it:

    metrics, objects = train(IntentTrainConfig(), extra_labelled=labelled_interactions)
    registration = register_intent_model(tracking_uri, metrics, objects, data_version=partition_key)
    model = load_model(tracking_uri, MODEL_NAME)              # models:/intent_classifier@champion
    predictions = model.predict(pd.DataFrame({"text": texts}))  # intent, confidence, out_of_scope, outcome, action
"""

from ml.intent.data import IntentDataModule, Vocab, load_corpus
from ml.intent.labels import INTENTS, OUT_OF_SCOPE, OUTCOMES
from ml.intent.model import IntentLSTM
from ml.intent.predict import PREDICT_COLUMNS, IntentClassifier, IntentPyfunc
from ml.intent.registry import EVAL_METRIC, EXPERIMENT, GUARD_METRICS, MODEL_NAME, register_intent_model
from ml.intent.train import IntentTrainConfig, train
from ml.tracking import Registration, load_model

__all__ = [
    "EVAL_METRIC",
    "EXPERIMENT",
    "GUARD_METRICS",
    "INTENTS",
    "MODEL_NAME",
    "OUTCOMES",
    "OUT_OF_SCOPE",
    "PREDICT_COLUMNS",
    "IntentClassifier",
    "IntentDataModule",
    "IntentLSTM",
    "IntentPyfunc",
    "IntentTrainConfig",
    "Registration",
    "Vocab",
    "load_corpus",
    "load_model",
    "register_intent_model",
    "train",
]
