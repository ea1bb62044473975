"""Presenting: the offline network view, and tables, JSON and CSV for the command line."""
