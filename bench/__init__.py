"""The benchmark: `python -m bench.generate` builds a large organisation,
`python -m bench.run` serves it with gunicorn and measures it, `python -m bench.text_checks`
times the text checks on megabyte inputs (see README.md)."""
