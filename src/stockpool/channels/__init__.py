"""Channels: the connectors that speak each platform's API, and the sandbox marketplaces."""
