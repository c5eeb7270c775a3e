"""The Firestore backend: the store and the run history; the only home of ``google.cloud``."""
