"""Resident identity vault: keys, envelope encryption, recovery and erasure."""
