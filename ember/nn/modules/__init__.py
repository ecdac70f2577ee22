"""Layers, activations, losses and containers."""
from .activation import ReLU
from .module import Module

__all__ = ["Module", "ReLU"]
