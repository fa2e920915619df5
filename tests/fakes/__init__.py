"""Stateful fake provider servers the HTTP adapters are tested against."""
