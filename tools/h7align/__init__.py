"""h7align: forced alignment (words and phones in time), pronunciation feedback, and the
benchmark against reference word boundaries (issue 15). See README.md."""
