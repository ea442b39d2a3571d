"""The user interface: windows, pages and dialogs, one screen a file (built by the counter-app issue)."""
