"""mecsim's Python side: agents that decide for the simulator over ZeroMQ (docs/external.md), and a
Gym-style environment over a mecsim subprocess (mecsim.env.MecsimEnv)."""
from .external import SCHEMA, serve, ProtocolError
from .env import MecsimEnv, MecsimError

__all__ = ["SCHEMA", "serve", "ProtocolError", "MecsimEnv", "MecsimError"]
