"""Tests for the expertise platform."""
