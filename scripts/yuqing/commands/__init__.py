"""One module per verb; each exposes ``command``. Shared options live in ``options``."""
