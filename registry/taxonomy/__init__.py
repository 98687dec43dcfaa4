"""The one Rijk-wide taxonomy of signal fields, versioned as a data file."""

from registry.taxonomy.loader import Code, Field, Taxonomy, load_taxonomy

__all__ = ["Code", "Field", "Taxonomy", "load_taxonomy"]
