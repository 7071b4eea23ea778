"""Performance benchmarks of greenkommon (never run by ``tests/``).

Run ``python -m benchmarks`` (full figures, table on stdout, JSON in ``benchmarks/results/``)
or ``pytest benchmarks`` (a reduced run that checks the kernels agree with their numpy twins
and prints the table). See ``benchmarks/README.md``.
"""
