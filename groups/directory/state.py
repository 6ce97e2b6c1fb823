"""The directory's state as the URL holds it, once cleaned (groups/directory/filterset.py).

Every link the directory builds (remove one filter, a quick choice, the next page, a suggestion)
is this state changed and encoded in one parameter order, so equal states give equal URLs:
the page cache and search engines see one URL per page of content.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict
from django.urls import reverse


@dataclass
class State:
    """The cleaned directory state. `values[name]` is a list for every facet, in URL order."""

    values: dict[str, list[str]]
    q: str = ""
    sort: str = ""
    tz: str = ""
    page: int = 1
    ignored: list[str] = field(default_factory=list)  # parameters with values we dropped
    q_truncated: bool = False

    def active(self, name: str) -> list[str]:
        return self.values.get(name) or []

    @property
    def has_filters(self) -> bool:
        return any(self.values.values())

    @property
    def filter_count(self) -> int:
        return sum(len(v) for v in self.values.values())

    def querydict(
        self,
        without: str | None = None,
        drop_value: tuple[str, str] | None = None,
        override: dict[str, list[str]] | None = None,
    ) -> QueryDict:
        """The state as a QueryDict; `without` drops a parameter, `drop_value` one value of it,
        `override` replaces parameters' values."""
        data = QueryDict(mutable=True)
        state = {"q": [self.q] if self.q else [], **self.values}
        state["sort"] = [self.sort] if self.sort else []
        state["tz"] = [self.tz] if self.tz else []
        for name, current in state.items():
            if name == without:
                continue
            values = list((override or {}).get(name, current))
            if drop_value and drop_value[0] == name:
                values = [v for v in values if v != drop_value[1]]
            if values:
                data.setlist(name, values)
        return data

    def urlencode(self, **change: object) -> str:
        return self.querydict(**change).urlencode()  # type: ignore[arg-type]

    def link(self, **change: object) -> str:
        """The directory's URL for this state, changed as `querydict` allows."""
        query = self.urlencode(**change)
        return reverse("groups:list") + (f"?{query}" if query else "")
