"""Run the benchmarks: `python -m bench [--residents N]`."""

from __future__ import annotations

import argparse
import asyncio

from bench import pitch_journey


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--residents", type=int, default=50, help="residents pitching at once")
    args = parser.parse_args()
    asyncio.run(pitch_journey.run(residents=args.residents))


if __name__ == "__main__":
    main()
