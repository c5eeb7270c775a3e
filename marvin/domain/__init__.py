"""Pure rules of Marvin's domain: no I/O, no SDKs, only data in and data out."""
