"""The SDKs' generator (generate.py); the SDKs themselves are projects of their own (python/, typescript/)."""
