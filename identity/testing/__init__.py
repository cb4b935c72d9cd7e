"""Test and demo support that ships with the app (the fake Blizzard API, IDN-49)."""
