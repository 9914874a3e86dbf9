"""Ledgers (台账): every area's records as Excel workbooks and CSV files, with one set of filters."""
