"""The website account layer on top of django-allauth (ACC-10 … ACC-43).

Entry points only: adapters, forms, views, middleware and rate limits. The rules they apply
live in `identity.services` (signin, invites, accounts) and `patt.redirects`.
"""
