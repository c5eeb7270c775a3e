"""Recording runs: the engine's recorder, store calls as events, redaction, crash recovery
and retention. What is recorded (the records and the `RunHistory` protocol) lives in
`marvin.store`, beside the backends that keep it."""
