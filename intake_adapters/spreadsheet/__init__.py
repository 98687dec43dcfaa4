"""Spreadsheet import (CSV and XLSX) with declarative, versioned mappings.

``mapping`` validates the mapping files, ``reader`` opens and checks a file (``xlsx`` reads a
workbook in a child process with CPU, memory and time limits), ``coding`` turns
cells into codes, ``importer`` validates and stores all-or-nothing, ``views`` is the upload page
(blueprint ``spreadsheet``). The command line (``server.cli.imports``) uses ``import_file`` too.
"""

from intake_adapters.spreadsheet.importer import ImportReport, import_file
from intake_adapters.spreadsheet.mapping import ImportMapping, resolve_mapping, shipped_mappings
from intake_adapters.spreadsheet.views import bp

__all__ = ["ImportMapping", "ImportReport", "bp", "import_file", "resolve_mapping", "shipped_mappings"]
