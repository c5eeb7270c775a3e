"""The SQLite backend (Marvin's embedded default): the store and the run history, stdlib only."""
