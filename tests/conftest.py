"""EMBER_REFERENCE_ENGINE=1 runs every backward of the session on the reference engine (the
engine's algorithm without shortcuts), so the engine tests can check both engines."""
import os

if os.environ.get("EMBER_REFERENCE_ENGINE") == "1":
    from ember.autograd import engine

    engine.use_reference_engine(True)
