"""Training and evaluation corpora of the intent classifier, and the script that builds the training one."""
