"""Records: every record of the campus, filtered, with answers and photos; the same list on a place or an asset."""
