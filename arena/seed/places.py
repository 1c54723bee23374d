"""Places whose parts agree: a city, its region, its country and the shape of its postcodes.

A row's city, region, postcode and country are one fact: "Lyon, 69003, France", not "Osaka,
02134, CA". A small hand-written table (no data dump) of plausible triples; a postcode is its
country's format filled per row ('#' a digit, 'A' a capital letter, anything else as is).
Weights: bigger places come up more often.
"""

from __future__ import annotations

# city, region, country code, country name, postcode format, weight
PLACES: list[tuple[str, str, str, str, str, float]] = [
    ("New York", "NY", "US", "United States", "100##", 9.0),
    ("Los Angeles", "CA", "US", "United States", "900##", 7.0),
    ("Chicago", "IL", "US", "United States", "606##", 5.0),
    ("Houston", "TX", "US", "United States", "770##", 4.0),
    ("Austin", "TX", "US", "United States", "787##", 2.0),
    ("Seattle", "WA", "US", "United States", "981##", 2.5),
    ("Boston", "MA", "US", "United States", "021##", 2.5),
    ("Denver", "CO", "US", "United States", "802##", 2.0),
    ("Portland", "OR", "US", "United States", "972##", 1.5),
    ("Madison", "WI", "US", "United States", "537##", 1.0),
    ("Springfield", "IL", "US", "United States", "627##", 0.8),
    ("Toronto", "ON", "CA", "Canada", "M#A #A#", 3.0),
    ("Vancouver", "BC", "CA", "Canada", "V#A #A#", 2.0),
    ("Mexico City", "CMX", "MX", "Mexico", "0####", 3.0),
    ("London", "ENG", "GB", "United Kingdom", "SW# #AA", 6.0),
    ("Manchester", "ENG", "GB", "United Kingdom", "M# #AA", 2.0),
    ("Leeds", "ENG", "GB", "United Kingdom", "LS# #AA", 1.5),
    ("Bristol", "ENG", "GB", "United Kingdom", "BS# #AA", 1.2),
    ("Edinburgh", "SCT", "GB", "United Kingdom", "EH# #AA", 1.2),
    ("Dublin", "L", "IE", "Ireland", "D0# A#A#", 1.5),
    ("Berlin", "BE", "DE", "Germany", "10###", 4.0),
    ("Hamburg", "HH", "DE", "Germany", "20###", 2.5),
    ("Munich", "BY", "DE", "Germany", "80###", 2.5),
    ("Paris", "IDF", "FR", "France", "750##", 5.0),
    ("Lyon", "ARA", "FR", "France", "6900#", 2.0),
    ("Madrid", "MD", "ES", "Spain", "280##", 3.5),
    ("Barcelona", "CT", "ES", "Spain", "080##", 3.0),
    ("Lisbon", "11", "PT", "Portugal", "1###-###", 1.5),
    ("Porto", "13", "PT", "Portugal", "4###-###", 1.0),
    ("Milan", "MI", "IT", "Italy", "201##", 2.5),
    ("Rome", "RM", "IT", "Italy", "001##", 3.0),
    ("Amsterdam", "NH", "NL", "Netherlands", "10## AA", 2.0),
    ("Brussels", "BRU", "BE", "Belgium", "1###", 1.5),
    ("Vienna", "9", "AT", "Austria", "1###", 1.8),
    ("Zurich", "ZH", "CH", "Switzerland", "80##", 1.5),
    ("Geneva", "GE", "CH", "Switzerland", "12##", 1.0),
    ("Prague", "PR", "CZ", "Czechia", "1## ##", 1.5),
    ("Warsaw", "MZ", "PL", "Poland", "0#-###", 2.0),
    ("Stockholm", "AB", "SE", "Sweden", "1## ##", 1.5),
    ("Oslo", "03", "NO", "Norway", "0###", 1.0),
    ("Copenhagen", "84", "DK", "Denmark", "1###", 1.2),
    ("Helsinki", "18", "FI", "Finland", "00###", 1.0),
    ("Tokyo", "13", "JP", "Japan", "1##-####", 6.0),
    ("Osaka", "27", "JP", "Japan", "5##-####", 3.0),
    ("Seoul", "11", "KR", "South Korea", "0####", 4.0),
    ("Mumbai", "MH", "IN", "India", "400###", 5.0),
    ("Bengaluru", "KA", "IN", "India", "560###", 4.0),
    ("Sydney", "NSW", "AU", "Australia", "2###", 3.0),
    ("Melbourne", "VIC", "AU", "Australia", "3###", 2.5),
    ("Auckland", "AUK", "NZ", "New Zealand", "1###", 1.0),
    ("Sao Paulo", "SP", "BR", "Brazil", "0####-###", 5.0),
    ("Buenos Aires", "C", "AR", "Argentina", "C####AAA", 3.0),
    ("Cape Town", "WC", "ZA", "South Africa", "8###", 1.5),
]

FIELDS = {"city": 0, "region": 1, "country_code": 2, "country": 3, "postcode": 4}

# Country calling codes of the countries above, for phone numbers of the same row.
CALLING_CODES = {
    "US": "1", "CA": "1", "MX": "52", "GB": "44", "IE": "353", "DE": "49", "FR": "33",
    "ES": "34", "PT": "351", "IT": "39", "NL": "31", "BE": "32", "AT": "43", "CH": "41",
    "CZ": "420", "PL": "48", "SE": "46", "NO": "47", "DK": "45", "FI": "358", "JP": "81",
    "KR": "82", "IN": "91", "AU": "61", "NZ": "64", "BR": "55", "AR": "54", "ZA": "27",
}  # fmt: skip
