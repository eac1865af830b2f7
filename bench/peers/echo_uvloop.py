"""A Python asyncio echo server on uvloop, for the benchmark.

Usage: echo_uvloop.py [PORT] [HOST]; port 0 lets the kernel choose. Once bound it prints
'echo_uvloop.py: listening on HOST:PORT' on stderr, like echo-server. The Protocol form
(not streams) is the fast path asyncio offers: data_received writes the bytes straight back.
"""
import asyncio
import signal
import socket
import sys

import uvloop


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data):
        self.transport.write(data)

    def eof_received(self):
        return False  # close once the client has half-closed and all is written


async def serve(host, port):
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set_result, None)
    server = await loop.create_server(Echo, host, port, backlog=4096, reuse_address=True)
    addr = server.sockets[0].getsockname()
    print(f"echo_uvloop.py: listening on {addr[0]}:{addr[1]}", file=sys.stderr, flush=True)
    async with server:
        await stop


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    uvloop.install()
    asyncio.run(serve(host, port))


if __name__ == "__main__":
    main()
