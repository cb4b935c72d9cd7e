"""Campaign services: scoring, stats, access, lifecycle and ballots (CMP-6 … CMP-35).

Every campaign rule lives in exactly one function of these modules; pages, JSON, admin,
commands, tasks and the contest agent call them.
"""
