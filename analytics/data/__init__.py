"""Reference data shipped with analytics (read through importlib.resources)."""
