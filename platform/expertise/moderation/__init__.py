"""Check posts for marketing and personal data before they are published."""
