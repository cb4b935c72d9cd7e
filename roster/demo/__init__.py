"""Roster demo data for `manage.py seed_demo`: the raid roster and Mito's Corner."""
