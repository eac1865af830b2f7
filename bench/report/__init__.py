"""Turns bench/results/ (written by bench/run.sh) into bench/RESULTS.md and four SVG charts.

Standard library only. Usage: python3 bench/report [--results DIR] [--out DIR]
  RESULTS.md      machine, command, one table per scenario, the iperf3 bulk ceiling
  throughput.svg  msgs/s per target for the 64 B scenarios (grouped bars)
  latency.svg     latency percentile curves of the 50-connection 64 B scenario
  bulk.svg        MB/s per target, bulk over 1 and 10 connections
  udp.svg         datagrams/s per target for the closed-loop UDP scenarios (grouped bars)

One module per job: raw (reading the raw results), stats (medians over the rounds and the
figures of a run), labels (names, colours, number formats), targets (the performance targets,
judged), tables and markdown (RESULTS.md), udp (its UDP section), svg and charts (the SVG
charts).
"""
