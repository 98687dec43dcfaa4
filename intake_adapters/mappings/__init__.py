"""The import mappings that ship with the product (JSON data files; see spreadsheet.mapping)."""
