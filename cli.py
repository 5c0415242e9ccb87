"""`python cli.py ...` in a checkout: the nordtrans command line (it lives in `pipeline.cli`)."""

from pipeline.cli import main

if __name__ == "__main__":
    main()
