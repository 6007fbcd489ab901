"""Builder of the Fictional AI Personas corpus."""

__version__ = "0.1.0"
