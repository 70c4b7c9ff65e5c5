"""Shared pieces of the vault tests: a colleague, the needles, and a form post."""
import base64
import re

from expertise.accounts.models import Role
from expertise.extensions import db

from ..factories import make_user

NAME = "Janneke de Vries-Özdemir"
IDENTITY_FORM = {"name": NAME, "date_of_birth": "2010-05-03", "file_number": "J-2023-0451"}
# Every token and format of the identity that must never appear at rest or in logs.
NEEDLES = [
    "Janneke", "Vries", "Özdemir", "Ozdemir", "2010-05-03", "03-05-2010", "3-5-2010", "03/05/2010",
    "3 mei 2010", "20100503", "J-2023-0451", "J20230451",
]


def needle_bytes():
    """Return every needle as UTF-8, plus the full name in UTF-16-LE/BE and base64."""
    out = [n.encode() for n in NEEDLES]
    out += [NAME.encode("utf-16-le"), NAME.encode("utf-16-be"), base64.b64encode(NAME.encode()),
            "Vries".encode("utf-16-le"), "Janneke".encode("utf-16-le")]
    out += [n.lower().encode() for n in NEEDLES if n.lower() != n]
    return out


def assert_no_needles(data: bytes, where: str):
    lowered = data.lower()
    for needle in needle_bytes():
        assert needle not in data and needle.lower() not in lowered, f"{needle!r} found in {where}"


def make_colleague(anna, name="Carla Collega"):
    """A family worker in anna's team (cast's bram works in another team)."""
    user = make_user(name, [Role.FAMILY_WORKER], team=anna.team)
    db.session.commit()
    return user


def add_resident(client, data=None):
    """Post the new-resident form; return the response (302 to the resident on success)."""
    return client.post("/bewoners/nieuw", dict(data or IDENTITY_FORM))


def resident_id_from(response):
    match = re.search(r"/bewoners/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))
