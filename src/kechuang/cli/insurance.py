"""``kechuang insurance``: policies, co-insurance, premium subsidies, claims, imports.

Each part lives in its own module (``insurance_*.py``) and is mounted here.
"""

from __future__ import annotations

import typer

from kechuang.cli.common import t

app = typer.Typer(help=t("科技保险：保单、共保体、保费补贴、理赔、导入", "Sci-tech insurance: policies, co-insurance, premium subsidies, claims, imports"), no_args_is_help=True)
