"""`obsctl logs`."""
