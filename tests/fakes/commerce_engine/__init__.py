"""The fake Commerce Engine server, split by area (see tests/fakes/commerce_engine_server.py)."""
