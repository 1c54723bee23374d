"""arena: start database engines side by side, seed them identically, load them, compare them."""

__version__ = "0.1.0"
