"""Tests of the Home Assistant integration, run with Home Assistant's own harness (`python3 dev.py test-ha`)."""
