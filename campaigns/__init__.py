"""Ranked-choice campaigns (the art vote and friends) and the Discord contest agent (CMP)."""
