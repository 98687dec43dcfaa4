"""The one Rijk-wide taxonomy of signal fields, versioned as a data file."""

from registry.taxonomy.loader import PSA_GROUP, Code, Field, Group, Taxonomy, load_taxonomy

__all__ = ["PSA_GROUP", "Code", "Field", "Group", "Taxonomy", "load_taxonomy"]
