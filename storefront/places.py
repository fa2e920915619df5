"""India's states and union territories, and which of them a pincode can be in.

GST's place of supply for goods is where they are delivered. The shopper never types it: the
address form offers the 36 states and union territories as a select, and the pincode decides. A
pincode in the store's own pincode table (localshop.Pincode, kept by an operator) has exactly one
state; any other pincode is looked up from its first three digits, India Post's sorting district
(PREFIXES). A few districts straddle a border (Chandigarh and Mohali, Daman and Valsad, Mahe in
Kerala, ...): there the pincode allows those states and the select picks among them. Army and
field post offices (9xx) carry no state.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ANDAMAN = "Andaman and Nicobar Islands"
DNHDD = "Dadra and Nagar Haveli and Daman and Diu"

STATES: tuple[str, ...] = (
    "Andhra Pradesh",
    "Arunachal Pradesh",
    "Assam",
    "Bihar",
    "Chhattisgarh",
    "Goa",
    "Gujarat",
    "Haryana",
    "Himachal Pradesh",
    "Jharkhand",
    "Karnataka",
    "Kerala",
    "Madhya Pradesh",
    "Maharashtra",
    "Manipur",
    "Meghalaya",
    "Mizoram",
    "Nagaland",
    "Odisha",
    "Punjab",
    "Rajasthan",
    "Sikkim",
    "Tamil Nadu",
    "Telangana",
    "Tripura",
    "Uttar Pradesh",
    "Uttarakhand",
    "West Bengal",
)
UNION_TERRITORIES: tuple[str, ...] = (
    ANDAMAN,
    "Chandigarh",
    DNHDD,
    "Delhi",
    "Jammu and Kashmir",
    "Ladakh",
    "Lakshadweep",
    "Puducherry",
)
ALL_STATES: tuple[str, ...] = STATES + UNION_TERRITORIES

# ISO 3166-2:IN codes (old and new), GST-era and older spellings: what people and old data type
_ALIASES = {
    "AP": "Andhra Pradesh",
    "AR": "Arunachal Pradesh",
    "AS": "Assam",
    "BR": "Bihar",
    "CG": "Chhattisgarh",
    "CT": "Chhattisgarh",
    "GA": "Goa",
    "GJ": "Gujarat",
    "HR": "Haryana",
    "HP": "Himachal Pradesh",
    "JH": "Jharkhand",
    "KA": "Karnataka",
    "KL": "Kerala",
    "MP": "Madhya Pradesh",
    "MH": "Maharashtra",
    "MN": "Manipur",
    "ML": "Meghalaya",
    "MZ": "Mizoram",
    "NL": "Nagaland",
    "OD": "Odisha",
    "OR": "Odisha",
    "ORISSA": "Odisha",
    "PB": "Punjab",
    "RJ": "Rajasthan",
    "SK": "Sikkim",
    "TN": "Tamil Nadu",
    "TG": "Telangana",
    "TS": "Telangana",
    "TR": "Tripura",
    "UP": "Uttar Pradesh",
    "UK": "Uttarakhand",
    "UT": "Uttarakhand",
    "UTTARANCHAL": "Uttarakhand",
    "WB": "West Bengal",
    "AN": ANDAMAN,
    "ANDAMAN AND NICOBAR": ANDAMAN,
    "CH": "Chandigarh",
    "DH": DNHDD,
    "DN": DNHDD,
    "DD": DNHDD,
    "DAMAN AND DIU": DNHDD,
    "DADRA AND NAGAR HAVELI": DNHDD,
    "DL": "Delhi",
    "NEW DELHI": "Delhi",
    "NCT OF DELHI": "Delhi",
    "JK": "Jammu and Kashmir",
    "LA": "Ladakh",
    "LD": "Lakshadweep",
    "PY": "Puducherry",
    "PONDICHERRY": "Puducherry",
}
_BY_KEY = {name.upper(): name for name in ALL_STATES} | _ALIASES


def _key(text: str) -> str:
    text = re.sub(r"[^A-Za-z ]+", " ", (text or "").replace("&", " and "))
    return " ".join(text.upper().split())


def canonical_state(text: str) -> str | None:
    """The state or union territory `text` names ("karnataka", "KA", "Orissa"), else None."""
    return _BY_KEY.get(_key(text))


_UP_UK = ("Uttar Pradesh", "Uttarakhand")
_BIHAR_JH = ("Bihar", "Jharkhand")

# (first three digits from, to, states): the first row that holds a prefix answers, so the
# narrow rows come before the wide ones around them
PREFIXES: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (110, 110, ("Delhi",)),
    (121, 136, ("Haryana",)),
    (160, 160, ("Chandigarh", "Punjab", "Haryana")),
    (140, 159, ("Punjab",)),
    (171, 177, ("Himachal Pradesh",)),
    (194, 194, ("Ladakh", "Jammu and Kashmir")),
    (180, 193, ("Jammu and Kashmir",)),
    (244, 249, _UP_UK),
    (262, 263, _UP_UK),
    (201, 285, ("Uttar Pradesh",)),
    (301, 345, ("Rajasthan",)),
    (362, 362, ("Gujarat", DNHDD)),
    (396, 396, ("Gujarat", DNHDD)),
    (360, 396, ("Gujarat",)),
    (403, 403, ("Goa",)),
    (400, 445, ("Maharashtra",)),
    (450, 488, ("Madhya Pradesh",)),
    (490, 497, ("Chhattisgarh",)),
    (500, 509, ("Telangana",)),
    (533, 533, ("Andhra Pradesh", "Puducherry")),
    (515, 535, ("Andhra Pradesh",)),
    (560, 591, ("Karnataka",)),
    (605, 605, ("Puducherry", "Tamil Nadu")),
    (609, 609, ("Tamil Nadu", "Puducherry")),
    (600, 643, ("Tamil Nadu",)),
    (673, 673, ("Kerala", "Puducherry")),
    (682, 682, ("Kerala", "Lakshadweep")),
    (670, 695, ("Kerala",)),
    (737, 737, ("Sikkim",)),
    (744, 744, (ANDAMAN,)),
    (700, 743, ("West Bengal",)),
    (751, 770, ("Odisha",)),
    (781, 788, ("Assam",)),
    (790, 792, ("Arunachal Pradesh",)),
    (793, 794, ("Meghalaya",)),
    (795, 795, ("Manipur",)),
    (796, 796, ("Mizoram",)),
    (797, 798, ("Nagaland",)),
    (799, 799, ("Tripura",)),
    (813, 835, _BIHAR_JH),
    (800, 855, ("Bihar",)),
    (900, 999, ALL_STATES),  # army and field post offices: no state in the number
)

PINCODE_RE = re.compile(r"^[1-9][0-9]{5}$")


def states_for_pincode(pincode: str) -> tuple[str, ...]:
    """The states a pincode can be in by its first three digits (empty: no such pincode)."""
    pincode = (pincode or "").strip()
    if not PINCODE_RE.match(pincode):
        return ()
    prefix = int(pincode[:3])
    for low, high, states in PREFIXES:
        if low <= prefix <= high:
            return states
    return ()


def place_of_supply(pincode: str, state: str, *, known_state: str | None = None) -> str | None:
    """Where GST says the goods go: the state of the store's own pincode row when there is one
    (`known_state`), else the address's state when its pincode allows it, else the pincode's one
    state. None when neither decides (a typed state the pincode does not allow, on a border)."""
    known = canonical_state(known_state or "")
    if known:
        return known
    allowed = states_for_pincode(pincode)
    typed = canonical_state(state)
    if typed and typed in allowed:
        return typed
    if len(allowed) == 1:
        return allowed[0]
    return None


MSG_STATE_CHOOSE = "Choose your state."
MSG_PINCODE_UNKNOWN = "We don't recognise pincode {pincode}. Check the 6 digits on a recent letter or bill."
MSG_STATE_MISMATCH = "Pincode {pincode} is in {states}, not {state}. Check the pincode or the state."


def _names(states: Iterable[str]) -> str:
    states = list(states)
    return states[0] if len(states) == 1 else ", ".join(states[:-1]) + " or " + states[-1]


def check_state(pincode: str, state: str, *, known_state: str | None = None) -> tuple[str, str]:
    """(field, message) when the pincode and the chosen state disagree, else ("", "")."""
    chosen = canonical_state(state)
    if not chosen:
        return "state", MSG_STATE_CHOOSE
    known = canonical_state(known_state or "")
    allowed = (known,) if known else states_for_pincode(pincode)
    if not allowed:
        return "pincode", MSG_PINCODE_UNKNOWN.format(pincode=pincode)
    if chosen not in allowed:
        return "state", MSG_STATE_MISMATCH.format(pincode=pincode, states=_names(allowed), state=chosen)
    return "", ""
