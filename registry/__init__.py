"""The registry: taxonomy, organisation structure, signal records, storage and accounts."""
