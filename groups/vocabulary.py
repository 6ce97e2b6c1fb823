"""The words listings use, and correcting a visitor's misspelling towards the nearest of them.

The `SearchWord` table holds every word some listing's search text has used (filled by
groups.search.refresh_search_document() and the bench generator; never pruned). Each process
keeps them in memory with their one-letter deletions (symmetric delete), topped up once per
directory generation.
"""

import re
import threading

from django.db import connection

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def words_of(text):
    """Lower-case words, possessives and apostrophes folded ("son's" → "son", "don't" → "dont")."""
    found = []
    for word in _WORD.findall(str(text).lower()):
        if word.endswith("'s"):
            word = word[:-2]
        found.append(word.replace("'", ""))
    return found


def vocabulary_words(text):
    """The words of a search text that misspellings may be corrected towards."""
    return {w for w in words_of(text) if 3 <= len(w) <= 40 and not w.isdigit()}


def remember_words(words):
    """Add words to the vocabulary table (existing ones are skipped); one INSERT per 1,000."""
    from groups.models import SearchWord

    SearchWord.objects.bulk_create(
        [SearchWord(word=w) for w in sorted(words)], batch_size=1000, ignore_conflicts=True
    )


def edit_distance(a, b, limit=2):
    """Damerau-Levenshtein (adjacent swaps count once), or limit + 1 when it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word, depth):
    found, edge = {word}, {word}
    for _step in range(depth):
        edge = {w[:i] + w[i + 1 :] for w in edge for i in range(len(w)) if len(w) > 1}
        found |= edge
    return found


class Vocabulary:
    """Every word the listings use, with each word's one-letter deletions pointing back to it
    (symmetric delete): a misspelling's candidates are a few dictionary lookups, not a scan.

    Loaded once per process and topped up with the words added since (the table only grows).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._reset()

    def _reset(self):
        self.words = set()
        self._by_delete = {}
        self._last_pk = self._loaded = 0

    def add(self, word):
        if word in self.words:
            return
        self.words.add(word)
        for variant in _deletes(word, 1):
            self._by_delete.setdefault(variant, []).append(word)

    def top_up(self):
        """The words added since the last call, with the table's row count: one query. A
        transaction rolled back takes words away and can hand their ids out again; then the
        count disagrees and everything is read again."""
        from groups.models import SearchWord

        table = SearchWord._meta.db_table
        sql = (
            f"SELECT 0, '', COUNT(*) FROM {table} "  # noqa: S608 (the model's table)
            f"UNION ALL SELECT id, word, 0 FROM {table} WHERE id > %s ORDER BY 1"
        )
        with self._lock, connection.cursor() as cursor:
            cursor.execute(sql, [self._last_pk])
            (_zero, _empty, total), *added = cursor.fetchall()
            if self._loaded + len(added) != total:
                self._reset()
                cursor.execute(sql, [0])
                (_zero, _empty, total), *added = cursor.fetchall()
            for pk, word, _n in added:
                self.add(word)
                self._last_pk = pk
            self._loaded += len(added)

    def correct(self, word):
        """The nearest word listings use, or None: within 1 edit from 5 letters on (a 4-letter
        word is one edit from too many others), 2 from 8 on."""
        if word in self.words or len(word) < 5 or word.isdigit():
            return None
        limit = 1 if len(word) < 8 else 2
        candidates = set()
        for variant in _deletes(word, limit):
            candidates.update(self._by_delete.get(variant, ()))
        best = None
        for candidate in candidates:
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                rank = (
                    distance,
                    candidate[0] != word[0],
                    abs(len(candidate) - len(word)),
                    candidate,
                )
                best = min(best, rank) if best else rank
        return best[-1] if best else None


_vocabulary = Vocabulary()
_vocabulary_seen = [None]  # the generation the vocabulary was last topped up for


def current(generation=None):
    """The process's vocabulary, topped up when the generation moved (always without one)."""
    if generation is None or _vocabulary_seen[0] != generation:
        _vocabulary.top_up()
        _vocabulary_seen[0] = generation
    return _vocabulary
