"""Fault injection under load: `kill -9` of the service, a Redis restart, a PostgreSQL restart (make chaos)."""
