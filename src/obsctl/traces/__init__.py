"""`obsctl traces`."""
