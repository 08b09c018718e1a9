"""``kechuang demo``: a sample city registry built through the real import path."""
