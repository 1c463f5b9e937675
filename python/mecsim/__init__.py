"""mecsim's Python side: agents that decide for the simulator over ZeroMQ (docs/external.md)."""
from .external import SCHEMA, serve, ProtocolError

__all__ = ["SCHEMA", "serve", "ProtocolError"]
