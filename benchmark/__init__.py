"""quotebench: an open evaluation benchmark for quote attribution in news."""

__version__ = "0.1.0"
