"""Ways in: the HTTP API and the CLI. They translate and never decide."""
