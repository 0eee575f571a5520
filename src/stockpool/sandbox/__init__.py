"""Sandbox marketplaces: local Shopify, Amazon and Walmart that honour the platforms' contracts.

Each platform is a small ASGI app over a `Sandbox` (core.py): listings whose pushed quantities
show only after a propagation delay, buyers who order against what is shown, faults on demand and
a record of every request, read and steered through `/_sandbox` (control.py).
"""
