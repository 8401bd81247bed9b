"""h7train: training, compression (pruning, distillation, QAT), int8 export and evaluation
of the h7voice keyword-spotting models. `python -m h7train --help`; see README.md."""
