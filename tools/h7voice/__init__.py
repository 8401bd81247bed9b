"""h7voice: the project's one command-line entry (`h7voice ...`) and the facts every tool
shares (where the repository, the build outputs, the third-party cache and ../shared are)."""
