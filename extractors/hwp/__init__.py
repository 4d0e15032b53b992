"""Hangul word processor files: HWP 5 (OLE, binary records), HWPX (ZIP + XML), HWP 3 (refused honestly)."""
