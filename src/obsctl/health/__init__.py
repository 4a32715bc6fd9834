"""`obsctl health`."""
