"""Weights in external QSPI flash (issue 18 item 4): the > 2 MB test model, the image's
weight placement (internal flash or QSPI) and the benchmark (`python -m h7qspi bench`)."""
