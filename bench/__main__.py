"""Run the benchmarks: `python -m bench [--residents N] [--recipients N] [--seconds S]`."""

from __future__ import annotations

import argparse
import asyncio

from bench import delivery, pitch_journey


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--residents", type=int, default=50, help="residents pitching at once")
    parser.add_argument("--recipients", type=int, default=20_000, help="outbox messages")
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="length of the rate-limited outbox run"
    )
    args = parser.parse_args()
    asyncio.run(pitch_journey.run(residents=args.residents))
    asyncio.run(delivery.run(args.recipients, args.seconds))


if __name__ == "__main__":
    main()
