"""Benchmark and corpus tools, kept out of the production app.

`generate_corpus` (a reproducible synthetic manual), `bench_search` (search against a naive
scan) and the load test's /bench/bare/ yardstick view. msp_sop/settings.py installs this app
only when SOP_DEVTOOLS=1: the test suite, `make bench`, `make bench-smoke` and
`make bench-search` switch it on; production settings never do.
"""
