"""The directory's read side: what a visitor searches, filters, counts and pages through.

One idea per module, in the order a request meets them:

- `filterset.py`: the URL's parameters and every facet, declared once (label, options, how the
  index and SQL read it); validates the URL into a `State`.
- `state.py`: the cleaned state, and every link built from it.
- `taxonomy.py`: types, audiences, languages and regions, loaded once per directory generation.
- `weeks.py`: minutes of the week, the time-of-day windows, time zone offsets.
- `search.py`: reading what a visitor typed (corrections, synonyms, places) and matching it.
- `index.py`: every published listing's facts as bitmaps; counting and paging by bit operations.
- `process.py`: this process's index, and rebuilding it after a change.
- `directory.py`: one request's results, order and counts, from the index.
- `cards.py`: what a result card shows, read for a page of results at once.
- `views.py`: the pages (home, the list, landing pages, a search's calendar).

The SQL reading of the same state (`DirectoryFilter.qs`) is not used to answer visitors: the
tests compare every count and page of the index with it (tests/directory/oracle.py).
"""
