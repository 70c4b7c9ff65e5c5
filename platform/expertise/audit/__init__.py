"""NEN 7513 audit trail: an append-only, HMAC-chained log of who touched which resident."""
