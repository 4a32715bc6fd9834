"""`obsctl instrument`."""
