"""The ``kechuang`` command line (Typer): parse, call services, render. No business rules here."""
