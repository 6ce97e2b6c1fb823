"""Sentences in an organizer's free text that speak of when the group meets.

After the meeting times change, "How to join" may still say "Thursdays at 5 pm" or "The source
gives no day, time…", next to times that now say otherwise. We only find such sentences, to ask
the organizer about them; their text is never changed for them.
"""

import re

from groups.schedule import WEEKDAY_CHOICES, WEEKDAY_PLURALS

# English, the language the listings are written in; the weekday names in the organizer's
# language are added when the text is read.
_PATTERNS = [
    r"\b\d{1,2}([:.]\d{2})?\s*([ap]\.?m\.?)(?!\w)",
    r"\b\d{1,2}[:h]\d{2}\b",
    r"\b(noon|midday|midnight|o[’']clock)\b",
    r"\b(daily|weekly|fortnightly|monthly|bi-?weekly|bi-?monthly)\b",
    r"\b(every|each|once a|twice a)\s+(other\s+)?(day|week|fortnight|month)s?\b",
    r"\bmeeting\s+(times?|days?|dates?|schedule)\b",
    r"\b(days?|dates?)\s*(,|and|or)\s*(times?)\b",
    r"\bno\s+(fixed\s+|regular\s+|meeting\s+)?(days?|dates?|times?|schedule)\b",
]
# Three-letter day names only count written with a capital: "sun", "sat" are also words.
_ABBREVIATION = re.compile(r"\b(Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\b")
_WORDS = re.compile("|".join(_PATTERNS), re.IGNORECASE)
_FULL_DAYS = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b", re.IGNORECASE
)
# A sentence ends before a capital: "on a Sat. morning" is one sentence.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][”\"’)]))\s+(?=[“\"‘(\dA-ZÀ-Þ])|\n+")

# A quoted sentence stays readable in a notice.
LONGEST = 240


def _localized_days():
    names = [str(label) for _n, label in WEEKDAY_CHOICES] + [str(p) for p in WEEKDAY_PLURALS]
    return [name.casefold() for name in names]


def speaks_of_times(sentence):
    if _FULL_DAYS.search(sentence) or _ABBREVIATION.search(sentence) or _WORDS.search(sentence):
        return True
    folded = sentence.casefold()
    return any(re.search(rf"\b{re.escape(day)}\b", folded) for day in _localized_days())


def sentences_about_times(text):
    """The sentences of `text` that name days, times or how often, as written (shortened)."""
    found = []
    for sentence in _SENTENCE_END.split(text or ""):
        sentence = sentence.strip()
        if sentence and speaks_of_times(sentence):
            if len(sentence) > LONGEST:
                sentence = sentence[: LONGEST - 1].rstrip() + "…"
            found.append(sentence)
    return found
