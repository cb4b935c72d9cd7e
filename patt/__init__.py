"""The PATT guild platform: project package and the site app."""

__version__ = "0.1.0"
