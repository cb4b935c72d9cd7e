"""Roster services: population, availability, characters, composition (roster spec)."""
