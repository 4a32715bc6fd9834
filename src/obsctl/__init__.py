"""obsctl: one terminal for metrics, logs, traces, alerts and health."""

__version__ = "0.1.0"
