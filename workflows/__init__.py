"""The report workflow: the declared machine (:mod:`workflows.machine`) and the one service that
moves reports (:mod:`workflows.service`). Views and the API never set a state themselves."""
from workflows.machine import ACTIONS, STATES
from workflows.service import Conflict, Forbidden, Refused, transition

__all__ = ["ACTIONS", "STATES", "Conflict", "Forbidden", "Refused", "transition"]
