"""Check the evidence store, the custody chain and the audit journal wherever the settings put them.

``python -m evidex.custody.verify [--receipt FILE …]`` re-hashes every blob (directory or bucket), checks the
custody chain (file or PostgreSQL) against the receipts under ``<data_dir>/receipts`` and those given, and checks
the audit journal's chain (file or PostgreSQL). Heads kept in the audit index are checked by ``evidex verify`` and
``evidex audit verify``; this command reads no index. Exit status 0: intact, 1: problems found, 2: unreachable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evidex.custody.backends import open_audit_journal, open_store
from evidex.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evidex.custody.verify", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--receipt", type=Path, action="append", default=[], help="a receipt as handed over")
    args = parser.parse_args(argv)
    settings = load_settings(data_dir=args.data_dir)
    try:
        store = open_store(settings)
        own = sorted((settings.data_dir / "receipts").glob("*.json"))
        checked, problems = store.verify((), [*own, *args.receipt])
        audit = open_audit_journal(settings).verify()
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"cannot verify: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"PROBLEM {problem.what}: {problem.reason}")
    for chain_problem in audit.problems:
        print(f"PROBLEM audit journal {chain_problem.line}: {chain_problem.reason}")
    head = store.custody.head()
    print(f"{checked} blob(s) re-hashed; custody chain head {head.seq if head else '-'}; "
          f"audit journal {audit.records} record(s); {len(problems) + len(audit.problems)} problem(s)")
    return 1 if problems or audit.problems else 0


if __name__ == "__main__":
    sys.exit(main())
