"""What the report calls things: scenario titles, target names and chart colours, and the
number formats of the tables and charts."""
import math

# Scenario id -> (title, short label for charts). The order is the order of the tables.
SCENARIOS = {
    "lat1": ("1 connection, 64 B messages (latency)", "1 conn"),
    "c50": ("50 connections, 64 B messages", "50 conns"),
    "c1000": ("1000 connections, 64 B messages", "1000 conns"),
    "depth16": ("50 connections, 64 B messages, 16 in flight on each", "50 conns, depth 16"),
    "kib4": ("1 connection, 4 KiB messages", "1 conn, 4 KiB"),
    "open50": ("Open loop: 50 connections, 64 B, at 50% of each target's own peak", "open loop"),
    "bulk1": ("Bulk: 1 connection streaming both ways", "1 conn"),
    "bulk10": ("Bulk: 10 connections streaming both ways", "10 conns"),
}
BAR_SCENARIOS = ["lat1", "c50", "c1000", "depth16"]
BULK_SCENARIOS = ["bulk1", "bulk10"]
# The UDP scenarios (echo-bench -u; a flow is one connected UDP socket), in the order of their
# tables, and those of the UDP chart.
UDP_SCENARIOS = {
    "udp_lat1": ("UDP: 1 flow, 64 B datagrams (latency)", "1 flow"),
    "udp_c50": ("UDP: 50 flows, 64 B datagrams", "50 flows"),
    "udp_depth16": ("UDP: 50 flows, 64 B datagrams, 16 in flight on each", "50 flows, depth 16"),
    "udp_open": ("UDP open loop: 50 flows, 64 B, at 50% of each target's own 50-flow rate",
                 "open loop"),
    "udp_1472": ("UDP: 1 flow, 1472 B datagrams", "1 flow, 1472 B"),
}
UDP_BAR_SCENARIOS = ["udp_lat1", "udp_c50", "udp_depth16", "udp_1472"]

# The peers' names and colours (bench/lib/targets.sh lists the peers). A model is named
# "tcpecho MODEL" and coloured by its place in echo-server's list of models (MODEL_COLORS), so
# that a new model needs no edit here.
PEER_NAMES = {
    "socat": "socat fork PIPE",
    "ncat": "ncat --exec cat",
    "xinetd": "xinetd echo",
    "node": "Node.js net",
    "uvloop": "asyncio + uvloop",
    "libuv": "libuv C",
    "libevent": "libevent bufferevent",
    "go": "Go net",
}
PEER_COLORS = {
    "socat": "#ff7f0e",
    "ncat": "#d62728",
    "xinetd": "#9467bd",
    "node": "#e377c2",
    "uvloop": "#393b79",
    "libuv": "#637939",
    "libevent": "#8c6d31",
    "go": "#17a589",
}
# The same peers over UDP (bench/lib/peers.sh, UDP_PEERS): what each runs there.
UDP_PEER_NAMES = {
    "xinetd": "xinetd echo-dgram",
    "socat": "socat UDP-RECVFROM",
    "node": "Node.js dgram",
    "libuv": "libuv C recvmmsg",
    "go": "Go net.ListenPacket",
}
# The first, second, ... model echo-server lists (iterative, fork, thread, poll, epoll, uring
# so far), then the extra colours for any target not placed otherwise.
MODEL_COLORS = ["#7f7f7f", "#8c564b", "#bcbd22", "#17becf", "#1f77b4", "#2ca02c"]
EXTRA_COLORS = ["#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5"]


def name_of(t):
    """The name a target goes by in the tables and charts."""
    return PEER_NAMES.get(t, "tcpecho " + t)


def udp_name_of(t):
    """The name a target goes by in the UDP tables and chart."""
    return UDP_PEER_NAMES.get(t, name_of(t))


def colors(order, models):
    """target -> chart colour for the targets in order: a peer's own, a model's by its place
    in models (echo-server's list), anything else one of the extra colours by its place."""
    palette = MODEL_COLORS + EXTRA_COLORS
    out = {}
    for t in order:
        if t in PEER_COLORS:
            out[t] = PEER_COLORS[t]
        elif t in models and models.index(t) < len(palette):
            out[t] = palette[models.index(t)]
        else:
            out[t] = EXTRA_COLORS[order.index(t) % len(EXTRA_COLORS)]
    return out


def fmt_rate(x):
    """msgs/s as 950, 12.3 k or 1.23 M; '—' for None."""
    if x is None:
        return "—"
    if x >= 1e6:
        return "%.2f M" % (x / 1e6)
    if x >= 1e3:
        return "%.1f k" % (x / 1e3)
    return "%.0f" % x


def fmt_sig(x, digits=3):
    """x with about `digits` significant digits, no exponent."""
    if x is None:
        return "—"
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(x)))))
    return "%.*f" % (min(decimals, 4), x)


def fmt_short(x):
    """A compact number for chart labels: 412k, 1.2M, 950."""
    if x >= 1e6:
        return "%.3gM" % (x / 1e6)
    if x >= 1e4:
        return "%.0fk" % (x / 1e3)
    if x >= 1e3:
        return "%.1fk" % (x / 1e3)
    return "%.0f" % x


def ms(us):
    """Microseconds as '1.23 ms'; '—' for None."""
    return fmt_sig(us / 1000) + " ms" if us is not None else "—"
