"""The signal rules (assess) and their run over every update (history): colours with their provenance, pure."""
