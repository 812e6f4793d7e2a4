"""How much one server and one home may hold, so that an open server cannot be filled up.

A year of 15-minute readings is 35,040 per device; a home's limit allows several devices' year."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    homes: int = 10_000  # in the whole store
    devices_per_home: int = 100
    enrollments_per_home: int = 200
    events_per_home: int = 2_000
    credits_per_home: int = 2_000
    readings_per_request: int = 5_000
    readings_per_home: int = 250_000
