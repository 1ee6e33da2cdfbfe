"""Word lists and code tables the generator draws from: invented names, streets, industries, legal forms.

Kept apart from the generation logic so the logic reads as logic. Names are invented stems combined at random;
industry codes follow the Danish DB07 classification; the postcode table gives the main town of each kommune.
"""

from __future__ import annotations

from clusterscore.sources.clusters import SIZE_CLASSES  # noqa: F401 - re-exported for the generator

# Legal forms: code -> (kortBeskrivelse, langBeskrivelse). 90-115 are the non-profit forms.
LEGAL_FORMS: dict[int, tuple[str, str]] = {
    10: ("ENK", "Enkeltmandsvirksomhed"),
    60: ("A/S", "Aktieselskab"),
    80: ("APS", "Anpartsselskab"),
    90: ("FOND", "Fond"),
    100: ("ERHVERVSDRIVENDE FOND", "Erhvervsdrivende fond"),
    110: ("FORENING", "Forening"),
    115: ("FRIVILLIG FORENING", "Frivillig forening"),
}
LEGAL_SUFFIX = {10: "", 60: "A/S", 80: "ApS", 90: "", 100: "", 110: "", 115: ""}

# Registry status texts: status -> (statuskode, sammensatStatus in virksomhedMetadata).
STATUSES: dict[str, tuple[int, str]] = {
    "NORMAL": (1, "Normal"),
    "UNDER KONKURS": (5, "Under konkurs"),
    "OPLØST EFTER KONKURS": (12, "Opløst efter konkurs"),
    "OPHØRT": (20, "Ophørt"),
}

# Employment bands (intervalKodeAntalAnsatte): (low, high, code).
EMPLOYMENT_BANDS = (
    (0, 0, "ANTAL_0_0"),
    (1, 1, "ANTAL_1_1"),
    (2, 4, "ANTAL_2_4"),
    (5, 9, "ANTAL_5_9"),
    (10, 19, "ANTAL_10_19"),
    (20, 49, "ANTAL_20_49"),
    (50, 99, "ANTAL_50_99"),
    (100, 199, "ANTAL_100_199"),
    (200, 499, "ANTAL_200_499"),
    (500, 999, "ANTAL_500_999"),
    (1000, 999_999, "ANTAL_1000_999999"),
)


def employment_band(count: int) -> str:
    for low, high, code in EMPLOYMENT_BANDS:
        if low <= count <= high:
            return code
    raise ValueError(f"no band for {count}")


def size_class(employees: int) -> str:
    """micro (<10), small (10-49), medium (50-249), large (250+)."""
    if employees < 10:
        return "micro"
    if employees < 50:
        return "small"
    if employees < 250:
        return "medium"
    return "large"


SIZE_RANGES = {"micro": (1, 9), "small": (10, 49), "medium": (50, 249), "large": (250, 4000)}

# DB07 industry codes (hovedbranche) per business area, for member firms.
AREA_INDUSTRIES: dict[str, tuple[tuple[str, str], ...]] = {
    "energy": (
        ("351100", "Produktion af elektricitet"),
        ("271100", "Fremstilling af elektriske motorer, generatorer og transformere"),
        ("281100", "Fremstilling af motorer og turbiner, undtagen motorer til luftfartøjer og køretøjer"),
        ("711290", "Anden teknisk rådgivning"),
        ("432200", "VVS- og blikkenslagerforretninger"),
    ),
    "robotics": (
        ("282900", "Fremstilling af andre maskiner til generel anvendelse i.a.n."),
        ("265100", "Fremstilling af måle-, kontrol-, afprøvnings- og navigationsudstyr"),
        ("620100", "Computerprogrammering"),
        ("711290", "Anden teknisk rådgivning"),
    ),
    "food_bio": (
        ("105100", "Mejerier og osteproduktion"),
        ("108900", "Fremstilling af andre fødevarer i.a.n."),
        ("011100", "Dyrkning af korn (undtagen ris), bælgfrugter og olieholdige frø"),
        ("201400", "Fremstilling af andre organiske basiskemikalier"),
        ("721100", "Bioteknologisk forskning og eksperimentel udvikling"),
    ),
    "life_science": (
        ("212000", "Fremstilling af farmaceutiske præparater"),
        ("325000", "Fremstilling af medicinske og dentale instrumenter og udstyr"),
        ("721100", "Bioteknologisk forskning og eksperimentel udvikling"),
        ("869000", "Andre aktiviteter inden for sundhedsvæsenet"),
    ),
    "maritime_logistics": (
        ("502000", "Sø- og kysttransport af gods"),
        ("522200", "Serviceydelser i forbindelse med sejlads"),
        ("522900", "Andre transportrelaterede serviceydelser"),
        ("301100", "Skibsbygning (undtagen lystfartøjer)"),
        ("494100", "Vejgodstransport"),
    ),
    "building": (
        ("412000", "Opførelse af bygninger"),
        ("711100", "Arkitektvirksomhed"),
        ("432100", "El-installation"),
        ("236100", "Fremstilling af betonprodukter til bygningsindustrien"),
    ),
    "digital": (
        ("620100", "Computerprogrammering"),
        ("620200", "Konsulentbistand vedrørende informationsteknologi"),
        ("631100", "Databehandling, webhosting og lignende serviceydelser"),
        ("582900", "Anden udgivelse af software"),
    ),
    "environment": (
        ("360000", "Vandforsyning"),
        ("370000", "Kloakvæsen"),
        ("383200", "Genbrug af sorterede materialer"),
        ("711290", "Anden teknisk rådgivning"),
    ),
    "advanced_production": (
        ("251100", "Fremstilling af metalkonstruktioner og dele heraf"),
        ("256200", "Maskinforarbejdning"),
        ("222900", "Fremstilling af andre plastprodukter"),
        ("282900", "Fremstilling af andre maskiner til generel anvendelse i.a.n."),
    ),
    "sound": (
        ("264000", "Fremstilling af elektroniske forbrugsartikler"),
        ("592000", "Lydoptagelse og udgivelse af musik"),
        ("620100", "Computerprogrammering"),
        ("711290", "Anden teknisk rådgivning"),
    ),
}
DEFAULT_INDUSTRIES = AREA_INDUSTRIES["digital"]

AREA_WORDS: dict[str, tuple[str, ...]] = {
    "energy": ("Energi", "Power", "Vindteknik", "Solenergi", "Varme", "Grid"),
    "robotics": ("Robotics", "Automation", "Drones", "Motion", "Robotteknik"),
    "food_bio": ("Foods", "Bio", "Mejeri", "Ingredients", "Agro"),
    "life_science": ("Pharma", "Medical", "Health", "Diagnostics", "Care"),
    "maritime_logistics": ("Shipping", "Logistics", "Marine", "Port Services", "Freight"),
    "building": ("Byg", "Construction", "Beton", "Installation", "Arkitekter"),
    "digital": ("Software", "Data", "Digital", "Cloud", "Analytics"),
    "environment": ("Water", "Miljø", "Recycling", "Cleantech"),
    "advanced_production": ("Production", "Maskinfabrik", "Metal", "Composites", "Plast"),
    "sound": ("Audio", "Acoustics", "Sound", "Lyd"),
}

ORGANISATION_INDUSTRY = ("941100", "Erhvervs- og arbejdsgiverorganisationer")
FOR_PROFIT_ORGANISATION_INDUSTRY = ("702200", "Virksomhedsrådgivning og anden rådgivning om driftsledelse")
CONSULTANT_INDUSTRY = ("702200", "Virksomhedsrådgivning og anden rådgivning om driftsledelse")
FINANCE_INDUSTRY = ("649900", "Anden finansiel formidling undtagen forsikring og pensionsforsikring")
ASSOCIATION_INDUSTRY = ("949900", "Andre organisationer og foreninger i.a.n.")
AUDITOR_INDUSTRY = ("692000", "Bogføring og revision; skatterådgivning")
UNIVERSITY_INDUSTRY = ("854200", "Videregående uddannelser")
RTO_INDUSTRY = ("721900", "Anden forskning og eksperimentel udvikling inden for naturvidenskab og teknik")
EDUCATION_INDUSTRY = ("853200", "Erhvervsfaglige uddannelser")

NAME_HEADS = (
    "Ark", "Bølge", "Cirkel", "Dyna", "Elva", "Fjeld", "Gnist", "Hav", "Is", "Jord", "Kilde", "Lys", "Mose",
    "Nord", "Orbit", "Puls", "Ravn", "Sol", "Tinde", "Urt", "Vind", "Vest", "Øst", "Ager", "Bro", "Dal", "Eg",
    "Flint", "Gran", "Hede", "Klit", "Lind", "Mark", "Næs", "Pil", "Rug", "Sand", "Strand", "Tang", "Vig",
)  # fmt: skip
NAME_TAILS = (
    "tek", "lab", "form", "com", "nova", "line", "flow", "works", "sys", "gen", "max", "trix", "via", "vent",
    "tronic", "core", "data", "mek", "plan", "base",
)  # fmt: skip
NAME_QUALIFIERS = ("Nord", "Syd", "Vest", "Øst", "Midt", "Fyn", "Jylland", "Sjælland", "Group", "Solutions")

# Invented place-like prefixes for copies of the organisations at scale > 1.
PLACE_HEADS = (
    "Nord",
    "Syd",
    "Øster",
    "Vester",
    "Mølle",
    "Skov",
    "Strand",
    "Bakke",
    "Eng",
    "Lyng",
    "Ravn",
    "Hede",
)
PLACE_TAILS = ("lys", "by", "dal", "vig", "holm", "lund", "høj", "næs", "gård", "bro", "kær", "sted")

FIRST_NAMES = (
    "Anne", "Mette", "Lars", "Søren", "Jens", "Hanne", "Peter", "Louise", "Mads", "Camilla", "Henrik", "Line",
    "Thomas", "Maria", "Rasmus", "Signe", "Niels", "Karen", "Jakob", "Ida", "Morten", "Sofie", "Anders",
    "Birgitte", "Kasper", "Trine", "Christian", "Julie", "Ole", "Pia",
)  # fmt: skip
LAST_NAMES = (
    "Ravnholt", "Lyngsø", "Bjerrekær", "Fjordvang", "Stenkilde", "Kløvermose", "Askelund", "Tornbjerg",
    "Vindekilde", "Sølvhøj", "Egebakke", "Rønnekamp", "Hvidkilde", "Lindevang", "Kragholm", "Ulvedal",
    "Fladmose", "Skovkær", "Havgård", "Stormvig", "Lergrav", "Kildebæk", "Bøgelund", "Tjørnehøj", "Engkilde",
    "Granvang", "Fyrrebakke", "Rimmersvang", "Mågeholm", "Syrenlund",
)  # fmt: skip

STREETS = (
    "Industrivej", "Havnegade", "Stationsvej", "Fabriksvej", "Teknologivej", "Skovvej", "Nørregade",
    "Vestergade", "Søndergade", "Østergade", "Parkvej", "Erhvervsvej", "Værkstedsvej", "Mølleparken",
    "Kirkevej", "Strandvejen", "Banegårdsgade", "Innovationsvej",
)  # fmt: skip

# Foreign members: country -> (legal suffix, id prefix, digits in the id).
FOREIGN = (
    ("DE", "GmbH", "DE:HRB", 5),
    ("SE", "AB", "SE:556", 7),
    ("NO", "AS", "NO:9", 8),
    ("NL", "B.V.", "NL:KVK", 8),
    ("DE", "GmbH", "DE:HRB", 6),
    ("FI", "Oy", "FI:", 7),
    ("PL", "Sp. z o.o.", "PL:KRS", 10),
)

PROJECT_TOPICS: dict[str, tuple[str, ...]] = {
    "energy": ("Green hydrogen", "Offshore wind O&M", "District heating", "Battery storage", "Power-to-X"),
    "robotics": (
        "Collaborative robots",
        "Drone inspection",
        "Mobile robots",
        "Robot vision",
        "Automated welding",
    ),
    "food_bio": ("Plant protein", "Food waste", "Fermentation", "Packaging", "Precision farming"),
    "life_science": (
        "Diagnostics",
        "Welfare technology",
        "Clinical data",
        "Medical devices",
        "Biomanufacturing",
    ),
    "maritime_logistics": ("Port automation", "Green shipping", "Supply chain data", "Last-mile logistics"),
    "building": ("Circular building", "Timber construction", "Indoor climate", "Digital twins"),
    "digital": ("Machine learning", "Cybersecurity", "Cloud platforms", "Data sharing", "Digital twins"),
    "environment": ("Water reuse", "Soil remediation", "Recycling of plastics", "Climate adaptation"),
    "advanced_production": (
        "Additive manufacturing",
        "Lean automation",
        "Composite parts",
        "Smart factories",
    ),
    "sound": ("Hearing technology", "Acoustic materials", "Spatial audio", "Noise control"),
}
PROJECT_KINDS = ("demonstrator", "pilot line", "feasibility study", "test bed", "joint development",
                 "innovation network")  # fmt: skip

FUNDERS: dict[str, tuple[str, ...]] = {
    "public_national": ("Danmarks Erhvervsfremmebestyrelse", "Uddannelses- og Forskningsministeriet"),
    "public_regional": ("{region}",),
    "public_eu": ("Interreg", "Horizon Europe"),
    "private_membership_fees": ("Membership fees",),
    "private_services": ("Courses, matchmaking and consultancy",),
    "private_cofinancing": ("Member firms' co-financing of projects",),
    "other": ("Other income",),
}

# Main town of each kommune: kommune code -> (postnummer, postdistrikt).
POSTCODES: dict[int, tuple[int, str]] = {
    101: (1620, "København V"), 147: (2000, "Frederiksberg"), 151: (2750, "Ballerup"), 153: (2605, "Brøndby"),
    155: (2791, "Dragør"), 157: (2820, "Gentofte"), 159: (2860, "Søborg"), 161: (2600, "Glostrup"),
    163: (2730, "Herlev"), 165: (2620, "Albertslund"), 167: (2650, "Hvidovre"), 169: (2630, "Taastrup"),
    173: (2800, "Kongens Lyngby"), 175: (2610, "Rødovre"), 183: (2635, "Ishøj"), 185: (2770, "Kastrup"),
    187: (2625, "Vallensbæk"), 190: (3520, "Farum"), 201: (3450, "Allerød"), 210: (3480, "Fredensborg"),
    217: (3000, "Helsingør"), 219: (3400, "Hillerød"), 223: (2970, "Hørsholm"), 230: (2840, "Holte"),
    240: (3650, "Ølstykke"), 250: (3600, "Frederikssund"), 253: (2670, "Greve"), 259: (4600, "Køge"),
    260: (3200, "Helsinge"), 265: (4000, "Roskilde"), 269: (2680, "Solrød Strand"),
    270: (3300, "Frederiksværk"),
    306: (4500, "Nykøbing Sj"), 316: (4300, "Holbæk"), 320: (4640, "Faxe"), 326: (4400, "Kalundborg"),
    329: (4100, "Ringsted"), 330: (4200, "Slagelse"), 336: (4660, "Store Heddinge"), 340: (4180, "Sorø"),
    350: (4320, "Lejre"), 360: (4900, "Nakskov"), 370: (4700, "Næstved"), 376: (4800, "Nykøbing F"),
    390: (4760, "Vordingborg"), 400: (3700, "Rønne"), 410: (5500, "Middelfart"), 420: (5610, "Assens"),
    430: (5600, "Faaborg"), 440: (5300, "Kerteminde"), 450: (5800, "Nyborg"), 461: (5000, "Odense C"),
    479: (5700, "Svendborg"), 480: (5400, "Bogense"), 482: (5900, "Rudkøbing"), 492: (5970, "Ærøskøbing"),
    510: (6100, "Haderslev"), 530: (7190, "Billund"), 540: (6400, "Sønderborg"), 550: (6270, "Tønder"),
    561: (6700, "Esbjerg"), 563: (6720, "Fanø"), 573: (6800, "Varde"), 575: (6600, "Vejen"),
    580: (6200, "Aabenraa"), 607: (7000, "Fredericia"), 615: (8700, "Horsens"), 621: (6000, "Kolding"),
    630: (7100, "Vejle"), 657: (7400, "Herning"), 661: (7500, "Holstebro"), 665: (7620, "Lemvig"),
    671: (7600, "Struer"), 706: (8400, "Ebeltoft"), 707: (8500, "Grenaa"), 710: (8450, "Hammel"),
    727: (8300, "Odder"), 730: (8900, "Randers C"), 740: (8600, "Silkeborg"), 741: (8305, "Samsø"),
    746: (8660, "Skanderborg"), 751: (8000, "Aarhus C"), 756: (7430, "Ikast"), 760: (6950, "Ringkøbing"),
    766: (8722, "Hedensted"), 773: (7900, "Nykøbing M"), 779: (7800, "Skive"), 787: (7700, "Thisted"),
    791: (8800, "Viborg"), 810: (9700, "Brønderslev"), 813: (9900, "Frederikshavn"), 820: (9600, "Aars"),
    825: (9940, "Læsø"), 840: (9520, "Skørping"), 846: (9500, "Hobro"), 849: (9440, "Aabybro"),
    851: (9000, "Aalborg"), 860: (9800, "Hjørring"),
}  # fmt: skip

# Larger towns get more firms.
KOMMUNE_WEIGHTS: dict[int, int] = {101: 12, 751: 8, 461: 6, 851: 6, 147: 3, 173: 3, 157: 3, 159: 2, 265: 3,
                                   561: 3, 621: 3, 630: 3, 607: 2, 615: 3, 730: 3, 740: 2, 657: 3, 791: 2,
                                   540: 2, 370: 2}  # fmt: skip
