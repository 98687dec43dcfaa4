"""``python -m server.cli``: the ``signal-registry`` command without the installed script."""

from server.cli import main

main()
