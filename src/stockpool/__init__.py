"""stockpool: one pool of physical stock, promised safely to every sales channel."""

__version__ = "0.1.0"
