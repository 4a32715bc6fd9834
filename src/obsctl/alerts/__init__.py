"""`obsctl alerts`."""
