"""The `marvin` command: one module per command group, one output module."""
