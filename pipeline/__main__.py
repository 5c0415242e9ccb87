"""`python -m pipeline ...`: the nordtrans command line."""

from pipeline.cli import main

main()
