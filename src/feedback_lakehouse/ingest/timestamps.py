"""Timestamps of bring-your-own files, parsed per value to UTC text (`created_at_utc`):
one odd date quarantines its row, never the build."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser
from pandas.tseries.api import guess_datetime_format

# a date of three numbers split by dots, slashes or dashes, at the start of a value
NUMERIC_DATE = re.compile(r"\s*(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})\b")


class TimestampParser:
    """Per-value timestamps to UTC text: the mapping's `timestamp_format`, else ISO 8601,
    else a format pandas guesses from the value (remembered for the next values), else
    python-dateutil's parser (e.g. `31-Jul-18`). Values without an offset are in `zone`."""

    def __init__(self, fmt: str | None, dayfirst: bool, zone: str) -> None:
        self.fmt = fmt
        self.dayfirst = dayfirst
        self.zone = ZoneInfo(zone)
        self.formats: list[str] = []

    @property
    def expected(self) -> str:
        if self.fmt:
            return f"a timestamp in the mapping's timestamp_format {self.fmt!r}"
        return (
            "a date or timestamp (ISO 8601 such as 2018-07-31 10:00:00-08:00, or a common "
            "format such as 31-Jul-18); if the file uses one format, set timestamp_format "
            "in the mapping (e.g. '%d-%b-%y')"
        )

    def _detect(self, value: str) -> datetime:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
        for fmt in self.formats:
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                continue
        guess = guess_datetime_format(value, dayfirst=self._dayfirst_of(value))
        if guess:
            try:
                moment = datetime.strptime(value, guess)
            except ValueError:
                pass
            else:
                self.formats.append(guess)
                return moment
        if not any(c.isdigit() for c in value) or value.isdigit():
            raise ValueError(value)  # words only, or a bare number: not a date
        return date_parser.parse(value, dayfirst=self.dayfirst, default=datetime(2000, 1, 1))

    def _dayfirst_of(self, value: str) -> bool:
        """Whether a numeric date (21.11.2026, 05/06/26, 2026.11.21) is day-first: a day
        over 12 in first place says so, one in second place says not, a year first is
        never day-first, and an ambiguous one follows the mapping's `dayfirst`.

        pandas' guess comes to the same order, but warns (UserWarning) whenever it
        differs from the `dayfirst` it was given, once per such value."""
        match = NUMERIC_DATE.match(value)
        if match is None:
            return self.dayfirst
        first, second = match.group(1), match.group(3)
        if len(first) > 2:
            return False
        if int(first) > 12 >= int(second):
            return True
        if int(second) > 12 >= int(first):
            return False
        return self.dayfirst

    def day_month_swaps(self) -> tuple[str, str] | None:
        """(month-first, day-first) formats when detection used both, else None.

        A guessed format is remembered, so a file's ambiguous dates (05/06/2026) are read
        the way of the first one that needed a guess; having both means the file's dates
        were not read one way."""
        for fmt in self.formats:
            swapped = fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
            if swapped != fmt and swapped in self.formats:
                month_first = fmt if fmt.index("%m") < fmt.index("%d") else swapped
                return month_first, swapped if month_first == fmt else fmt
        return None

    def parse(self, value: str) -> str:
        """UTC text; raises ValueError when the value is no timestamp."""
        value = value.strip()
        try:
            moment = datetime.strptime(value, self.fmt) if self.fmt else self._detect(value)
        except (ValueError, OverflowError) as exc:
            raise ValueError(value) from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
