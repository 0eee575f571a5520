"""Repositories: the queries and writes of one table family each; none of them commits."""
