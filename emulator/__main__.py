"""`python -m emulator` is `telex-emulator`."""

from emulator.cli import main

main()
