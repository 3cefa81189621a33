"""Regenerate ``synergy_shapley_reference.json``: exact values of the UN Security Council game.

The game is the Shapley-Shubik power index (Shapley & Shubik, 1954) of the 15-member Council in
force since 1965: 5 permanent and 10 non-permanent members; a coalition wins (value 1) when it
holds all 5 permanent members and at least 4 of the non-permanent ones. The textbook indices are
421/2145 (about 0.1963) for a permanent member and 4/2145 (about 0.00186) for a non-permanent one.

This script does not import omnichannel: it counts coalitions by their composition with exact
fractions, for the Shapley value and the Shapley interaction index (Grabisch & Roubens, 1999) of
each of the three kinds of pairs. ``tests/test_synergy_scores.py`` compares the library's bitmask
enumeration over all 2**15 coalitions with these numbers.

Run: ``python benchmarks/reference/make_synergy_shapley_reference.py``
"""

from __future__ import annotations

import json
from fractions import Fraction
from math import comb, factorial
from pathlib import Path

N_PERM, N_NON, QUOTA_NON = 5, 10, 4
K = N_PERM + N_NON


def wins(perm: int, non: int) -> int:
    """Value of a coalition with ``perm`` permanent and ``non`` non-permanent members."""
    return int(perm == N_PERM and non >= QUOTA_NON)


def shapley(kind: str) -> Fraction:
    """Shapley value of a permanent ("P") or non-permanent ("N") member."""
    total = Fraction(0)
    rest_p = N_PERM - (kind == "P")
    rest_n = N_NON - (kind == "N")
    for p in range(rest_p + 1):
        for q in range(rest_n + 1):
            s = p + q
            weight = Fraction(factorial(s) * factorial(K - s - 1), factorial(K))
            with_i = wins(p + (kind == "P"), q + (kind == "N"))
            total += comb(rest_p, p) * comb(rest_n, q) * weight * (with_i - wins(p, q))
    return total


def interaction(kind_i: str, kind_j: str) -> Fraction:
    """Shapley interaction index of a pair of members of the given kinds."""
    kinds = (kind_i, kind_j)
    rest_p = N_PERM - kinds.count("P")
    rest_n = N_NON - kinds.count("N")
    add_i = (int(kind_i == "P"), int(kind_i == "N"))
    add_j = (int(kind_j == "P"), int(kind_j == "N"))
    total = Fraction(0)
    for p in range(rest_p + 1):
        for q in range(rest_n + 1):
            s = p + q
            weight = Fraction(factorial(s) * factorial(K - s - 2), factorial(K - 1))
            second = (
                wins(p + add_i[0] + add_j[0], q + add_i[1] + add_j[1])
                - wins(p + add_i[0], q + add_i[1])
                - wins(p + add_j[0], q + add_j[1])
                + wins(p, q)
            )
            total += comb(rest_p, p) * comb(rest_n, q) * weight * second
    return total


def main() -> None:
    """Write the JSON next to this script."""
    out = {
        "game": "UN Security Council: 5 permanent + 10 non-permanent; win = all 5 + >= 4 others",
        "players": {"permanent": list(range(N_PERM)), "non_permanent": list(range(N_PERM, K))},
        "published_shapley": {"permanent": 421 / 2145, "non_permanent": 4 / 2145},
        "source": (
            "Shapley-Shubik index (Shapley and Shubik 1954, APSR 48(3)) of the 15-member Council; "
            "textbook values 421/2145 and 4/2145"
        ),
        "shapley": {"permanent": float(shapley("P")), "non_permanent": float(shapley("N"))},
        "interaction": {
            "permanent_permanent": float(interaction("P", "P")),
            "permanent_non_permanent": float(interaction("P", "N")),
            "non_permanent_non_permanent": float(interaction("N", "N")),
        },
    }
    path = Path(__file__).with_name("synergy_shapley_reference.json")
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
