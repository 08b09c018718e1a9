"""``kechuang insurance``: policies, co-insurance, premium subsidies, claims, imports.

Each part lives in its own module (``insurance_*.py``) and is mounted here.
"""

from __future__ import annotations

import typer

from kechuang.cli.common import t

app = typer.Typer(
    help=t(
        "科技保险：保单、共保体、保费补贴、理赔、导入",
        "Sci-tech insurance: policies, co-insurance, premium subsidies, claims, imports",
    ),
    no_args_is_help=True,
)


def _mount() -> None:
    from kechuang.cli import insurance_claims, insurance_import, insurance_policies

    insurance_import.register(app)
    app.add_typer(insurance_policies.app, name="policy")
    app.add_typer(insurance_claims.app, name="claim")


_mount()
