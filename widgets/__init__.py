"""Reusable widgets shared by several screens: member card, QR view, scan input, keypad, status bar."""
