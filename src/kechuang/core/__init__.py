"""Pure building blocks with no database and no I/O framework: money, periods, identifiers, errors."""
