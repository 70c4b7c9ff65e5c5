"""Questions, threaded advice and the family worker's ownership (regie) of them."""
from . import models  # noqa: F401  (models register with the metadata)
