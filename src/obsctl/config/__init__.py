"""`obsctl config`."""
