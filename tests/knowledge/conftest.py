"""The knowledge-base tests share the session's deduce worker with the moderation tests."""
from ..moderation.conftest import deduce_worker  # noqa: F401  (the fixture)
