"""Onboarding of new Discord members (onboarding-and-bot spec, ONB-1 … ONB-62)."""
