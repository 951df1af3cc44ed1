"""spec-kitty toolkit: spec-driven development with offline-first event sync."""

__version__ = "0.1.0"
