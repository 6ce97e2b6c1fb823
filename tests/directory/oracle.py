"""The directory answered by SQL alone: what every count and page of the index is compared with.

Production answers from the in-memory index (groups/directory/). Here the same state is read by
the FilterSet's SQL (`DirectoryFilter.qs`: every facet, the search, day and time together), and
every count is its definition: how many results choosing that option gives.
"""

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Mod
from django.http import QueryDict

from groups import generation
from groups.directory import taxonomy as taxonomies
from groups.directory.directory import Directory
from groups.directory.filterset import DirectoryFilter
from groups.directory.process import index_for
from groups.directory.weeks import WEEK, week_minute
from groups.models import Meeting, SupportGroup, status_rank


def indexed(query, preset=None):
    """The directory the views use for this query string."""
    current = generation.current()
    taxonomy = taxonomies.current(current)
    state = DirectoryFilter(QueryDict(query), taxonomy=taxonomy, preset=preset).state()
    return Directory(state, taxonomy, index_for(current))


def results(data, taxonomy=None):
    """The published listings matching `data` (a QueryDict), by SQL; relevance annotated when
    there is a search."""
    taxonomy = taxonomy or taxonomies.current(generation.current())
    return DirectoryFilter(data, taxonomy=taxonomy, queryset=SupportGroup.objects.published()).qs


def counts(query):
    """{"total": n, facet: {option value: n}}: one COUNT per option of every facet."""
    taxonomy = taxonomies.current(generation.current())
    data = QueryDict(query)
    filterset = DirectoryFilter(data, taxonomy=taxonomy)
    state = filterset.state()
    found = {"total": results(data, taxonomy).count()}
    for name, facet in filterset.facets().items():
        found[name] = {
            option.value: results(
                state.querydict(override={name: [option.value]}), taxonomy
            ).count()
            for option in facet.options(taxonomy)
        }
    return found


def ordered(queryset, sort, searched, now):
    """SQL's order for a sort: the same ties, broken the same way, as the index."""
    rank = status_rank()
    if sort == "relevance" and searched:
        return queryset.order_by("-relevance", rank, "name", "pk")
    if sort == "updated":
        return queryset.order_by("-updated_at", "name", "pk")
    if sort == "next":
        now_minute = week_minute(now)
        upcoming = (
            Meeting.objects.filter(group=OuterRef("pk"), utc_minute_of_week__isnull=False)
            .annotate(wait=Mod(F("utc_minute_of_week") + (WEEK - now_minute), WEEK))
            .order_by("wait")
            .values("wait")[:1]
        )
        return queryset.annotate(wait=Subquery(upcoming)).order_by(
            F("wait").asc(nulls_last=True), rank, "name", "pk"
        )
    return queryset.order_by(rank, "name", "pk")


def page(query, start, count, now):
    """Ids of results start .. start+count-1, in the state's order, by SQL, counting "next
    meeting" from `now`: the directory under test's own moment (`Directory.now`), never a second
    reading of the clock, which a minute boundary would put a meeting's wait a week apart."""
    directory = indexed(query)
    found = ordered(results(QueryDict(query)), directory.sort, bool(directory.state.q), now)
    return list(found.values_list("pk", flat=True)[start : start + count])
