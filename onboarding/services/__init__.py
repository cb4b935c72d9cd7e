"""Onboarding services: plain functions with keyword arguments (onboarding-and-bot spec)."""
