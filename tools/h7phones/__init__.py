"""h7phones: the phone acoustic model (issue 13): data and training (dataset.py, train.py,
export.py), the C-computed scores every tool uses (acoustic.py), the phone recognizer's
evaluation against PocketSphinx (eval.py, psbaseline.py). README.md says how to run them."""
