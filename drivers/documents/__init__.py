"""Parsers for the documents a lane scans: MRZ, AAMVA, customs numbers and QR URLs."""
