"""Risk recommendation: declarative rules over watchlist hits, declaration discrepancies and document flags."""
