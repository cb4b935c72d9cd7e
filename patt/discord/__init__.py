"""The Discord integration every app shares (BOT-14 … BOT-19).

- `rest`: the REST client for workers and commands, and its typed errors
- `embeds`: Discord's message size limits
"""
