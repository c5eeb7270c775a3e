"""The Firestore backend: the store and the run history; the only home of ``google.cloud``.

client.py is the connection both share; store.py, claims.py and documents.py make the
`Store`; history.py the `RunHistory`; calls.py the seam that sees every call.
"""
