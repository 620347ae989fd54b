"""Public subscription feeds (national, per region, per leader), cached in memory.

Two caches per process:

- each listed screening's rendered VEVENT, keyed by (uid, sequence, last-modified), so a
  screening is rendered again only after it changed;
- each assembled feed (body, strong ETag, Last-Modified), tagged with the feed version it
  was built at. Every transaction that changes a screening increments the one-row
  `feed_version` counter, so serving a feed costs one primary-key read of that counter
  plus a dict lookup; another instance's change shows up as a new version and the feed
  is rebuilt from the cached VEVENTs. A feed built while a change was committing is
  tagged with the older version and therefore rebuilt on the next request: a stale feed
  is never served as current.
"""
from __future__ import annotations

import re
import threading
import time as _time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.contracts.screenings import PUBLIC_PATHS
from services.runtime.errors import NotFound, ValidationFailed

from . import calendar
from .models import FeedVersionRow, LeaderRow, ScreeningRow
from .repository import hosted_or_cohosted_by, screening_from_row

UTC = timezone.utc
NETWORK = "NIOT Law Enforcement Network"


@dataclass(frozen=True)
class CachedFeed:
    version: int
    cutoff: date
    body: bytes
    text: str
    etag: str
    last_modified: datetime

    @property
    def http_last_modified(self) -> str:
        return format_datetime(self.last_modified, usegmt=True)


class FeedCache:
    """Process-wide caches shared by all workers of one service instance."""

    def __init__(self, max_vevents: int = 200_000):
        self.max_vevents = max_vevents
        self.vevents: OrderedDict[tuple, str] = OrderedDict()
        self.feeds: dict[tuple, CachedFeed] = {}
        self.lock = threading.Lock()
        self.renders = 0

    def vevent(self, key: tuple) -> str | None:
        text = self.vevents.get(key)
        if text is not None:
            self.vevents.move_to_end(key)
        return text

    def keep_vevent(self, key: tuple, text: str) -> None:
        self.vevents[key] = text
        self.renders += 1
        while len(self.vevents) > self.max_vevents:
            self.vevents.popitem(last=False)

    def clear(self) -> None:
        self.vevents.clear()
        self.feeds.clear()


def current_version(session: Session) -> int:
    return session.execute(sa.select(FeedVersionRow.version).where(FeedVersionRow.id == 1)).scalar_one()


REGION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}")


def _scope(session: Session, kind: str, key: Any) -> tuple[tuple, list, str, str]:
    s = ScreeningRow
    if kind == "national":
        return ("national",), [], f"{NETWORK} screenings", \
            "Public film screenings and guided discussions across the network"
    if kind == "region":
        # Region ids are slugs ("region-5"); anything else, a CR or newline above all, would
        # otherwise land in the calendar's name.
        if not isinstance(key, str) or not REGION_ID.fullmatch(key):
            raise ValidationFailed("must be a region id", field="region_id")
        return ("region", key), [s.region == key], f"{NETWORK} screenings: {key}", f"Public screenings in {key}"
    if isinstance(key, bool) or not isinstance(key, int) or key <= 0:
        raise ValidationFailed("must be a leader id", field="leader_id")
    leader = session.get(LeaderRow, key)
    if leader is None:
        raise NotFound("no such leader")
    return ("leader", key), [hosted_or_cohosted_by(key)], f"{NETWORK}: screenings hosted by {leader.name}", \
        f"Public screenings hosted or co-hosted by {leader.name}"


@dataclass
class FeedPlan:
    """What a request needs: the cached feed when it is current, else what to assemble.
    Planning reads the database; completing renders, outside any transaction."""

    cache_key: tuple
    version: int
    cutoff: date
    name: str
    description: str
    ready: CachedFeed | None = None
    # (vevent key, (tzid, year of the local start), updated_at, cached text or None), in order
    listed: list = field(default_factory=list)
    to_render: list = field(default_factory=list)  # CalendarEvents whose VEVENT is not cached


def plan(session: Session, cache: FeedCache, kind: str, key: Any, *, now: datetime, past_days: int,
         base_url: str) -> FeedPlan:
    cache_key, conditions, name, description = _scope(session, kind, key)
    version = current_version(session)
    cutoff = (now - timedelta(days=past_days)).date()
    result = FeedPlan(cache_key, version, cutoff, name, description)
    feed = cache.feeds.get(cache_key)
    if feed is not None and feed.version == version and feed.cutoff == cutoff:
        result.ready = feed
        return result
    s = ScreeningRow
    cutoff_at = datetime.combine(cutoff, time(0), tzinfo=UTC)
    rows = session.execute(
        sa.select(s.id, s.uid, s.sequence, s.updated_at, s.time_zone, s.local_start)
        .where(s.in_feeds.is_(True), s.end_at >= cutoff_at, *conditions).order_by(s.start_at, s.id)
    ).all()
    # Cached texts are taken now, so an eviction before assembly cannot lose them.
    result.listed = [((r.uid, r.sequence, r.updated_at), (r.time_zone, r.local_start.year), r.updated_at,
                      cache.vevent((r.uid, r.sequence, r.updated_at))) for r in rows]
    missing = [r.id for r, listed in zip(rows, result.listed) if listed[3] is None]
    if missing:
        for start in range(0, len(missing), 500):
            for row in session.execute(sa.select(s).where(s.id.in_(missing[start:start + 500]))).scalars():
                result.to_render.append(calendar.CalendarEvent.from_screening(
                    screening_from_row(row),
                    url=base_url.rstrip("/") + PUBLIC_PATHS["screening"].format(screening_id=row.id)))
    return result


def _assemble(cache: FeedCache, plan_: FeedPlan) -> CachedFeed:
    # By UID: a row changed between planning's two reads is rendered at its newer state,
    # which is safe because the feed stays labelled with the older version.
    rendered: dict[str, str] = {}
    for number, event in enumerate(plan_.to_render, 1):
        rendered[event.uid] = text = calendar.render_vevent(event)
        cache.keep_vevent(event.cache_key, text)
        if number % 200 == 0:
            # A first render of thousands of events must not starve other green threads.
            _time.sleep(0)
    texts = [text if text is not None else rendered[key[0]] for key, _, _, text in plan_.listed]
    body = calendar.assemble_feed(plan_.name, plan_.description, texts, [zone for _, zone, _, _ in plan_.listed])
    cutoff_at = datetime.combine(plan_.cutoff, time(0), tzinfo=UTC)
    # Dropping events past the cutoff changes the feed too, so the cutoff counts as a change.
    last_modified = max([cutoff_at, *(updated for _, _, updated, _ in plan_.listed)]).replace(microsecond=0)
    return CachedFeed(plan_.version, plan_.cutoff, body, body.decode("utf-8"), calendar.feed_etag(body),
                      last_modified)


def _parse_http_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _not_modified(feed: CachedFeed, if_none_match: Any, if_modified_since: Any) -> bool:
    if if_none_match not in (None, ""):
        # RFC 9110: If-None-Match decides when present; If-Modified-Since is then ignored.
        if not isinstance(if_none_match, str):
            return False
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or feed.etag in tags or f"W/{feed.etag}" in tags
    since = _parse_http_date(if_modified_since)
    return since is not None and feed.last_modified <= since


def complete(cache: FeedCache, plan_: FeedPlan, *, if_none_match: Any = None, if_modified_since: Any = None,
             as_text: bool = True) -> dict:
    """The feed as {body, etag, last_modified}, or {not_modified: True, ...} for a match."""
    feed = plan_.ready
    if feed is None:
        feed = _assemble(cache, plan_)
        with cache.lock:
            current = cache.feeds.get(plan_.cache_key)
            if current is None or current.version <= feed.version:
                cache.feeds[plan_.cache_key] = feed
    headers = {"etag": feed.etag, "last_modified": feed.http_last_modified}
    if _not_modified(feed, if_none_match, if_modified_since):
        return {"not_modified": True, **headers}
    return {"not_modified": False, "body": feed.text if as_text else feed.body,
            "content_type": "text/calendar; charset=utf-8", **headers}


def serve(session: Session, cache: FeedCache, kind: str, key: Any, *, now: datetime, past_days: int,
          base_url: str, if_none_match: Any = None, if_modified_since: Any = None, as_text: bool = True) -> dict:
    """Plan and complete in one go, for callers that hold no shared database lock."""
    return complete(cache, plan(session, cache, kind, key, now=now, past_days=past_days, base_url=base_url),
                    if_none_match=if_none_match, if_modified_since=if_modified_since, as_text=as_text)
