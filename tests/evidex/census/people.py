"""Generated people for leak dumps: valid resident numbers, phones, e-mails and cards (and broken ones)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from models.identifiers.checksums import luhn_ok

_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def rrn(rng: random.Random, *, valid: bool = True) -> str:
    """A resident number born 1950-1999 whose check digit is right (or wrong)."""
    while True:
        body = f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.choice('12')}" \
               f"{rng.randint(0, 99999):05d}"
        check = (11 - sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11) % 10
        digit = check if valid else (check + rng.randint(1, 9)) % 10
        value = f"{body[:6]}-{body[6:]}{digit}"
        if len(set(value.replace("-", ""))) > 1:
            return value


def phone(rng: random.Random) -> str:
    return f"010-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"


def order_id(rng: random.Random) -> str:
    """Shaped like a mobile number, but no exchange starts with 0: not a phone."""
    return f"010-0{rng.randint(0, 999):03d}-{rng.randint(0, 9999):04d}"


def card(rng: random.Random) -> str:
    while True:
        body = "4" + "".join(str(rng.randint(0, 9)) for _ in range(15))
        if luhn_ok(body):
            return "-".join(body[i : i + 4] for i in range(0, 16, 4))


def bad_card(rng: random.Random) -> str:
    value = card(rng)
    last = str((int(value[-1]) + 1) % 10)
    return value[:-1] + last


@dataclass(frozen=True)
class Person:
    name: str
    rrn: str
    phone: str
    email: str
    card: str


def people(count: int, seed: int = 7) -> list[Person]:
    """``count`` distinct people (distinct in every identifier)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    found = []
    while len(found) < count:
        person = Person(f"사람{len(found)}", rrn(rng), phone(rng), f"user{len(found)}.{rng.randint(0, 999)}@example.com",
                        card(rng))
        if seen.isdisjoint((person.rrn, person.phone, person.card)):
            seen.update((person.rrn, person.phone, person.card))
            found.append(person)
    return found
