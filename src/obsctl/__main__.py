"""`python -m obsctl`: the same entry point as the console script."""

from obsctl._entry import main

if __name__ == "__main__":
    main()
