"""Pieces every domain area shares: time, database types, mail, security headers."""
