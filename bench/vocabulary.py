"""The words synthetic listings are made of: the field's own vocabulary, regions with their zones.

Data only. bench/synthetic.py turns it into rows.
"""

# (slug, name, synonyms): the taxonomy the directory files listings under.
GROUP_TYPES = [
    (
        "hearing-voices",
        "Hearing voices",
        "voice hearers, hearing voices network, HVN, voices, visions, unusual beliefs",
    ),
    (
        "alternatives-to-suicide",
        "Alternatives to suicide",
        "suicidal feelings, suicidal thoughts, A2S, wanting to die",
    ),
    (
        "psychiatric-drug-withdrawal",
        "Psychiatric drug withdrawal / tapering",
        "coming off psychiatric drugs, tapering, withdrawal, antidepressant withdrawal, "
        "benzodiazepine withdrawal, deprescribing",
    ),
    ("family-and-parents", "Family and parents", "parents, family members, carers, loved ones"),
    (
        "spouses-and-partners",
        "Spouses and partners",
        "partners, spouses, significant others, healing companions",
    ),
    ("mad-studies", "Mad studies", "mad pride, madness, psychiatric survivors, mad people"),
    ("peer-respite", "Peer respite", "crisis alternative, respite house, peer-run respite"),
    ("extreme-states", "Extreme states", "psychosis, altered states, spiritual emergency"),
    ("open-dialogue", "Open Dialogue", "network meetings, dialogical practice"),
    ("trauma-and-dissociation", "Trauma and dissociation", "trauma, dissociation, DID, PTSD"),
    ("self-harm", "Self-harm", "self-injury, cutting, self-injury support"),
    ("advocacy-and-activism", "Advocacy and activism", "human rights, campaigning, activism"),
]

AUDIENCES = [
    ("lived-experience", "People with lived experience"),
    ("family-and-parents", "Family and parents"),
    ("spouses-and-partners", "Spouses and partners"),
    ("young-people", "Young people"),
    ("women", "Women"),
    ("lgbtq", "LGBTQ+ people"),
    ("people-of-colour", "People of colour"),
    ("allies-and-workers", "Allies and workers"),
]

LANGUAGES = {
    "en": "English",
    "fr": "French",
    "de": "German",
    "nl": "Dutch",
    "es": "Spanish",
    "pt": "Portuguese",
    "it": "Italian",
    "sv": "Swedish",
    "da": "Danish",
    "nb": "Norwegian",
    "fi": "Finnish",
    "pl": "Polish",
    "el": "Greek",
    "cs": "Czech",
    "ja": "Japanese",
    "he": "Hebrew",
    "sw": "Swahili",
    "zh": "Chinese",
    "hi": "Hindi",
}

# Indented: continents > countries > states/provinces > areas/cities. "| zone | language" sets the
# IANA zone (and main language) for a node and everything under it that does not set its own.
REGIONS = """
North America | America/New_York | en
  United States
    California | America/Los_Angeles
      San Francisco Bay Area
      Los Angeles
      San Diego
      Sacramento
    Oregon | America/Los_Angeles
      Portland (Oregon)
      Eugene
    Washington | America/Los_Angeles
      Seattle
      Olympia
    Massachusetts
      Boston
      Western Massachusetts
      Cape Cod
    New York
      New York City
      Hudson Valley
      Buffalo
    Vermont
      Burlington
    Maine
      Portland (Maine)
    Pennsylvania
      Philadelphia
      Pittsburgh
    Illinois | America/Chicago
      Chicago
    Wisconsin | America/Chicago
      Madison
      Milwaukee
    Minnesota | America/Chicago
      Minneapolis–Saint Paul
    Texas | America/Chicago
      Austin
      Houston
      Dallas
    Colorado | America/Denver
      Denver
      Boulder
    Arizona | America/Phoenix
      Phoenix
      Tucson
    Michigan | America/Detroit
      Detroit
      Ann Arbor
    North Carolina
      Asheville
      Raleigh–Durham
    Georgia
      Atlanta
    Florida
      Miami
      Tampa
    Hawaii | Pacific/Honolulu
      Honolulu
    Alaska | America/Anchorage
      Anchorage
  Canada | America/Toronto
    British Columbia | America/Vancouver
      Vancouver
      Victoria (British Columbia)
    Alberta | America/Edmonton
      Calgary
      Edmonton
    Ontario
      Toronto
      Ottawa
      Hamilton
    Quebec | America/Toronto | fr
      Montreal
      Quebec City
    Manitoba | America/Winnipeg
      Winnipeg
    Nova Scotia | America/Halifax
      Halifax
    Newfoundland and Labrador | America/St_Johns
      St. John’s
  Mexico | America/Mexico_City | es
    Mexico City
    Guadalajara
Europe | Europe/London | en
  United Kingdom
    England
      London
      Manchester
      Bristol
      Leeds
      Birmingham
      Brighton
      Sheffield
      Newcastle
    Scotland
      Edinburgh and Lothians
      Glasgow
      Aberdeen
    Wales
      Cardiff
      Swansea
    Northern Ireland
      Belfast
  Ireland | Europe/Dublin
    Dublin
    Cork
    Galway
  Netherlands | Europe/Amsterdam | nl
    Amsterdam
    Utrecht
    Rotterdam
    Groningen
  Belgium | Europe/Brussels | nl
    Brussels
    Ghent
    Antwerp
  Germany | Europe/Berlin | de
    Berlin
    Hamburg
    Bavaria
      Munich
      Nuremberg
    North Rhine-Westphalia
      Cologne
      Düsseldorf
  France | Europe/Paris | fr
    Paris
    Lyon
    Marseille
    Lille
  Spain | Europe/Madrid | es
    Madrid
    Barcelona
    Valencia
  Portugal | Europe/Lisbon | pt
    Lisbon
    Porto
  Italy | Europe/Rome | it
    Rome
    Milan
    Trieste
  Austria | Europe/Vienna | de
    Vienna
  Switzerland | Europe/Zurich | de
    Zurich
    Geneva
  Denmark | Europe/Copenhagen | da
    Copenhagen
    Aarhus
  Sweden | Europe/Stockholm | sv
    Stockholm
    Gothenburg
  Norway | Europe/Oslo | nb
    Oslo
    Bergen
  Finland | Europe/Helsinki | fi
    Helsinki
    Tampere
  Poland | Europe/Warsaw | pl
    Warsaw
    Kraków
  Greece | Europe/Athens | el
    Athens
  Czechia | Europe/Prague | cs
    Prague
Oceania | Australia/Sydney | en
  Australia
    New South Wales
      Sydney
      Newcastle (New South Wales)
    Victoria (Australia) | Australia/Melbourne
      Melbourne
    Queensland | Australia/Brisbane
      Brisbane
    Western Australia | Australia/Perth
      Perth
    South Australia | Australia/Adelaide
      Adelaide
  New Zealand | Pacific/Auckland
    Auckland
    Wellington
    Christchurch
Asia | Asia/Tokyo | en
  Japan | Asia/Tokyo | ja
    Tokyo
    Osaka
  India | Asia/Kolkata | hi
    Mumbai
    Bengaluru
    Delhi
  Singapore | Asia/Singapore
  Hong Kong | Asia/Hong_Kong | zh
  Israel | Asia/Jerusalem | he
    Tel Aviv
Africa | Africa/Johannesburg | en
  South Africa
    Cape Town
    Johannesburg
  Kenya | Africa/Nairobi | sw
    Nairobi
  Nigeria | Africa/Lagos
    Lagos
  Ghana | Africa/Accra
    Accra
South America | America/Sao_Paulo | es
  Brazil | America/Sao_Paulo | pt
    São Paulo
    Rio de Janeiro
  Argentina | America/Argentina/Buenos_Aires
    Buenos Aires
  Chile | America/Santiago
    Santiago
  Colombia | America/Bogota
    Bogotá
"""

# Listing names: "<place> <topic> <noun>", "<adjective> <topic> <noun>", ...
TOPIC_PHRASES = {
    "hearing-voices": ["Hearing Voices", "Voices and Visions", "Voice Hearers", "Hearing Voices"],
    "alternatives-to-suicide": ["Alternatives to Suicide", "Alternatives to Suicide"],
    "psychiatric-drug-withdrawal": [
        "Coming Off Psychiatric Drugs",
        "Tapering Support",
        "Withdrawal Peer Support",
        "Benzo Withdrawal",
        "Antidepressant Withdrawal",
    ],
    "family-and-parents": ["Parents", "Family", "Family and Friends", "Parents Open Dialogue"],
    "spouses-and-partners": ["Healing Companions", "Partners", "Spouses and Partners"],
    "mad-studies": ["Mad Studies", "Mad Pride", "Mad Reading"],
    "peer-respite": ["Peer Respite", "Respite House", "Crisis Respite"],
    "extreme-states": ["Extreme States", "Altered States", "Spiritual Emergence"],
    "open-dialogue": ["Open Dialogue", "Dialogical"],
    "trauma-and-dissociation": ["Trauma Survivors", "Dissociation Peer", "Many Parts"],
    "self-harm": ["Self-Harm Peer", "Self-Injury Support"],
    "advocacy-and-activism": ["Survivor Action", "Mad Advocacy", "Rights Not Restraints"],
}
NOUNS = ["Group", "Circle", "Peer Group", "Network", "Meet-up", "Collective", "Café", "Gathering"]
ADJECTIVES = [
    "Thursday Evening",
    "Monday",
    "Saturday Morning",
    "Online",
    "Women’s",
    "Young People’s",
    "Open",
    "Community",
    "Riverside",
    "Northside",
    "Southside",
    "Westside",
    "Eastside",
    "Hillside",
    "Harbour",
    "Lakeside",
    "Wednesday",
    "Sunday",
]

# Sentences for descriptions; {place} and {topic} are filled in.
OPENINGS = [
    "A peer support group for people who hear voices, see visions or have other unusual experiences.",
    "A space to talk openly about suicidal feelings without being judged, diagnosed or sectioned.",
    "We meet to share what has helped us come off or reduce psychiatric drugs safely and slowly.",
    "A group for parents and family members who want alternatives to the medical model.",
    "For spouses, partners and significant others walking alongside someone in distress.",
    "A {topic} group run by and for people with lived experience in {place}.",
    "A reading and discussion group on mad studies, mad pride and psychiatric survivor history.",
    "A peer-run respite offering a calm place to stay through a crisis, as an alternative to hospital.",
    "An Open Dialogue inspired group where every voice in the room matters.",
    "A welcoming {topic} circle in {place}: come as you are.",
]
MIDDLES = [
    "Meetings are confidential; what is said in the group stays in the group.",
    "We do not give medical advice; we share our own experiences of tapering.",
    "There is no need to book and you do not have to speak.",
    "Facilitators have lived experience and trained with the Hearing Voices Network.",
    "We follow the Alternatives to Suicide approach: listening instead of risk assessment.",
    "Some members hear voices, others do not; everyone is welcome to make sense of their experiences.",
    "We talk about slow tapering, hyperbolic dose reductions and withdrawal symptoms.",
    "Family members learn from each other about extreme states, trauma and recovery.",
    "We start with a check-in and close with something that grounded us this week.",
    "Tea and biscuits are provided; the room is step-free.",
    "The group is free and is not part of any clinical service.",
    "Partners share how they keep their relationship and themselves going.",
    "We read short texts together and talk about madness, power and identity.",
    "Online meetings use video, but you can keep your camera off.",
    "We are part of an international network of peer support groups.",
    "Sessions are peer-facilitated and follow group agreements we wrote together.",
    "People taking medication and people who have stopped are equally welcome.",
    "We share information about benzodiazepine and antidepressant withdrawal.",
    "Nobody will be asked for a diagnosis.",
    "We welcome people of all genders, ages and backgrounds.",
]
CLOSINGS = [
    "Contact the facilitator before your first visit if you would like to talk first.",
    "New members are always welcome.",
    "Come a few minutes early for a quiet introduction.",
    "Check the website before travelling: dates occasionally change.",
    "Ask us about travel costs if they stop you from coming.",
    "The group is forming: get in touch to help shape it.",
]
# Appears in about 1 listing in 2,000: the "rare word" searches look for it.
RARE_SENTENCE = "We grew out of the Icarus Project and its Navigating the Space Between guide."
RARE_WORD = "icarus"
COMMON_WORD = "voices"
MISSPELLED = "hering voices"

VENUES = [
    "Community Centre",
    "Friends Meeting House",
    "Public Library, meeting room 2",
    "Recovery College",
    "Unitarian Church hall",
    "Peer-run centre",
    "Neighbourhood House",
    "Arts Centre, upstairs studio",
]
STREETS = ["High Street", "Main Street", "Church Road", "Station Road", "Park Avenue", "Mill Lane"]
HOSTS = [
    "Hearing Voices Network",
    "Peer Support Collective",
    "Mad in the Family",
    "Alternatives Network",
    "Survivors’ Alliance",
    "Recovery Learning Community",
    "Withdrawal Project",
    "Open Dialogue Society",
]
