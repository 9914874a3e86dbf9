"""Routines: what is due where, by whom and when; the compliance engine and its pages."""
