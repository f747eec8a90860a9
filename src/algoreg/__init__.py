"""Algoreg: register, assess and test government algorithms, and publish them."""

__version__ = "0.1.0"
