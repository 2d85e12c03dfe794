"""Unified pre-arrival declarations: one signed, versioned record per expected trip, matched to crossings."""
