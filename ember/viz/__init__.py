"""See inside ember: pictures of the autograd graph, a step-through backward pass, an
interactive page and a guided tour of the lessons. Needs nothing beyond NumPy."""
from .graph import GEdge, GNode, Graph, graph
from .page import page
from .steps import Step, backward_steps, explain_backward

__all__ = ["Graph", "GNode", "GEdge", "graph", "Step", "backward_steps", "explain_backward",
           "page"]

