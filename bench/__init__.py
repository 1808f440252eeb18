"""The benchmark: `python -m bench.generate` builds a large organisation,
`python -m bench.run` serves it with gunicorn and measures it (see README.md)."""
