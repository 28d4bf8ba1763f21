"""One adapter per channel behind a small interface (``Channel``)."""
