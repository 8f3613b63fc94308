"""Helpers for the SCons build (SConstruct imports these)."""
