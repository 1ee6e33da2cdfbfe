"""Connector tests: every live connector against a loopback HTTP server serving recorded responses."""
