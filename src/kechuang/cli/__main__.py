"""Entry point of the ``kechuang`` command.

``--lang en`` must take effect before Typer builds the help text, so it is read from the
command line here, before the app is imported.
"""

from __future__ import annotations

import sys


def _preset_lang(argv: list[str]) -> None:
    from kechuang.core.i18n import set_lang

    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            set_lang(argv[i + 1])
        elif arg.startswith("--lang="):
            set_lang(arg.split("=", 1)[1])


def main() -> None:
    """Run the ``kechuang`` command line."""
    _preset_lang(sys.argv[1:])
    from kechuang.cli.app import app

    app()


if __name__ == "__main__":
    main()
