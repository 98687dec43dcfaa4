"""Published source tables behind the external reference figures (read through importlib.resources)."""
