"""Loopback fakes of the external services (ARCHITECTURE "Tests"): real HTTP on 127.0.0.1."""
