"""The SQLite backend (Marvin's embedded default): the store and the run history, stdlib only.

connection.py is the connection both build on and schema.py their tables; store.py is the
`Store`; history.py the `RunHistory`, with history_rows.py its row encoding.
"""
