"""`obsctl metrics`."""
