"""Entry point: python3 bench/report [--results DIR] [--out DIR] writes RESULTS.md and charts."""
import argparse
import os
import sys

if not __package__:  # run as `python3 bench/report`: import the package by its name
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from report import charts, markdown, raw  # noqa: E402 (after the path is set)


def main():
    bench = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=sys.modules["report"].__doc__.splitlines()[0])
    ap.add_argument("--results", default=os.path.join(bench, "results"))
    ap.add_argument("--out", default=bench)
    args = ap.parse_args()
    b = raw.load(args.results)
    markdown.write_markdown(os.path.join(args.out, "RESULTS.md"), b)
    charts.write_charts(args.out, b)


if __name__ == "__main__":
    main()
