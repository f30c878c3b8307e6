"""The local runtime: the synthesized template served on one machine, moto as AWS (DESIGN.md)."""
