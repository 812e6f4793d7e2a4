"""The household ledger: which of a home's devices are enrolled in which programs, the programs' events,
each device's response and readings, and the credits they earn, estimated and posted.

    from derdir.ledger import Ledger
    ledger = Ledger("sqlite:///build/homes.sqlite3")        # or postgresql://user@host/db
    home, token = ledger.create_home(cat, "94105", "home-assistant-yellow", [{"key": "wh", ...}])
    ledger.enroll(cat, home, token, "pge-wattersaver", device="wh")
    ledger.post_event(cat, home, token, "pge-wattersaver", "2026-07-01T17:00-07:00", "2026-07-01T20:00-07:00")
    ledger.post_readings(home, token, "wh", [{"start": "2026-07-01T17:00-07:00", "minutes": 15, "kwh": 0.1}])
    ledger.credits(cat, home, token, season=2026)

Storage, migrations and limits: `store`, `migrate`, `limits`; the computation: `credits` (pure).
"""

from .errors import LimitReached, Unauthorized
from .limits import Limits
from .store import Ledger

__all__ = ["Ledger", "LimitReached", "Limits", "Unauthorized"]
