"""The public board (公示): a no-log-in page per campus for a corridor TV or the office screen."""
