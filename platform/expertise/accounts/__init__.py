"""Accounts: users, roles, organisations, teams, expertise areas, invitations, login."""
