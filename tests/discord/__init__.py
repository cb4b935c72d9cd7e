"""Tests of the Discord REST client and its fake (BOT-14 … BOT-19, BOT-30, BOT-31)."""
