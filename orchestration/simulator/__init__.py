"""Deterministic demo-data simulator: writes the five landing sources with planted truths."""

from orchestration.simulator.runner import LandingNotEmptyError, SimulationResult, simulate

__all__ = ["LandingNotEmptyError", "SimulationResult", "simulate"]
