"""The Firestore backend: the store and the run history; the only home of ``google.cloud``.

client.py is the connection both share; store.py, claims.py and documents.py make the
`Store`; history.py the `RunHistory` (pacing.py paces its bulk writes); calls.py the seam
that sees every call and every query's shape; indexes.py every query the backend makes
and the indexes they need.
"""
