"""The shared client layer: settings, HTTP, errors, output and time parsing.

Nothing in here knows about a particular backend's API; signal packages build on it.
"""
