"""PATT companion: uploads the PATTSync addon's SavedVariables export to the guild website."""

__version__ = "1.0.0"
