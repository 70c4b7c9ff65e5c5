"""The knowledge base: de-identified summaries of closed cases, searchable by every professional."""
