"""kechuang (科创): a city's sci-tech finance and intellectual-property service system.

Layers (imports point downwards only; enforced by import-linter, see ``pyproject.toml``)::

    cli · api · web · demo        interfaces
    reports
    indicators · standards
    products · credit · insurance · funds · ip
    registry
    storage
    core
"""

__version__ = "0.1.0"
