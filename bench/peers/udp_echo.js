// A Node.js UDP echo server for the benchmark: a dgram socket sending each message back to
// where it came from. Usage: node udp_echo.js [PORT] [HOST]; port 0 lets the kernel choose.
// Once bound it prints 'udp_echo.js: listening on HOST:PORT' on stderr, like echo-server.
'use strict';
const dgram = require('dgram');
const net = require('net');

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';

const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
sock.on('message', (msg, rinfo) => {
  sock.send(msg, rinfo.port, rinfo.address, () => {}); // a send that fails is a datagram lost
});
sock.on('error', (err) => {
  process.stderr.write(`udp_echo.js: ${err.message}\n`);
  process.exit(1);
});
sock.bind(port, host, () => {
  const a = sock.address();
  process.stderr.write(`udp_echo.js: listening on ${a.address}:${a.port}\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
