"""Tests for the identity vault."""
