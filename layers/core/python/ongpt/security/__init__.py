"""Crypto (envelope encryption, blind index), one-time codes, masking and input normalisation."""
