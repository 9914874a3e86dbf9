"""Assets over the term: the stocktake by scanning (清点)."""
