"""The ledger's tables (SQLAlchemy 2). One home owns everything below it; deleting it deletes all.

Names follow the standards where they define the thing: an event's response is an IEEE 2030.5
response status (`events.RESPONSES`), an event's kind an OpenADR 3 event type family (`events.KINDS`).
Readings are interval energy in kWh as the hub meters it (positive from the grid, negative exported).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Home(Base):
    __tablename__ = "home"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the bearer token (shown once)
    location: Mapped[Any] = mapped_column(JSON)  # as given: a string or {utility, state, zip}
    utility: Mapped[str | None] = mapped_column(String(120))  # what the location resolved to
    region: Mapped[str | None] = mapped_column(String(16))
    hub: Mapped[str | None] = mapped_column(String(120))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    devices: Mapped[list["Device"]] = relationship(back_populates="home", cascade="all, delete-orphan",
                                                   passive_deletes=True, order_by="Device.id")


class Device(Base):
    __tablename__ = "device"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    home_id: Mapped[str] = mapped_column(ForeignKey("home.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(120))  # the hub's name for it, unique in the home
    report: Mapped[Any] = mapped_column(JSON)  # as the hub reported it
    product: Mapped[str | None] = mapped_column(String(200))  # resolved catalog id (None: not resolved)
    category: Mapped[str | None] = mapped_column(String(40))
    home: Mapped[Home] = relationship(back_populates="devices")
    __table_args__ = (UniqueConstraint("home_id", "key", name="uq_device_home_key"),)


class Enrollment(Base):
    __tablename__ = "enrollment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    home_id: Mapped[str] = mapped_column(ForeignKey("home.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"))  # None: the account
    program: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))  # applied / enrolled / paused / ended
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    known_by: Mapped[str] = mapped_column(String(16))  # how it is known: hub / user / program / bill


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    home_id: Mapped[str] = mapped_column(ForeignKey("home.id", ondelete="CASCADE"), index=True)
    program: Mapped[str] = mapped_column(String(120))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(16))  # shed / shift / export / price / alert
    source: Mapped[str] = mapped_column(String(16))  # hub / manual / openadr
    external_id: Mapped[str | None] = mapped_column(String(200))  # the OpenADR event id, or the hub's
    __table_args__ = (UniqueConstraint("home_id", "program", "external_id", name="uq_event_external"),)


class Participation(Base):
    __tablename__ = "participation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    response: Mapped[str] = mapped_column(String(24))  # IEEE 2030.5 response status
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("event_id", "enrollment_id", name="uq_participation"),)


class Reading(Base):
    __tablename__ = "reading"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    minutes: Mapped[int] = mapped_column(Integer)  # interval length
    kwh: Mapped[float] = mapped_column(Float)
    __table_args__ = (UniqueConstraint("device_id", "start", name="uq_reading_device_start"),)  # also its index


class Credit(Base):
    """A credit the program (or a bill) posted: kept beside the ledger's own estimate, never replacing it."""

    __tablename__ = "credit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    home_id: Mapped[str] = mapped_column(ForeignKey("home.id", ondelete="CASCADE"), index=True)
    program: Mapped[str] = mapped_column(String(120))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))  # None: not per event
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(24))  # an incentive kind (per-kwh, per-event...) or 'other'
    status: Mapped[str] = mapped_column(String(16))  # pending / posted / paid
    source: Mapped[str] = mapped_column(String(16))  # program / bill
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    posted: Mapped[datetime] = mapped_column(DateTime(timezone=True))
