"""Expertise platform for youth care."""
