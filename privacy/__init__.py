"""The privacy layer: every figure that leaves the registry passes through here."""
