"""intake_adapters package."""
