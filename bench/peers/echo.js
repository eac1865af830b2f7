// A Node.js echo server for the benchmark: net.createServer with each socket piped to itself.
// Usage: node echo.js [PORT] [HOST]; port 0 lets the kernel choose. Once bound it prints
// 'echo.js: listening on HOST:PORT' on stderr, like echo-server.
'use strict';
const net = require('net');

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';

const server = net.createServer({ noDelay: true }, (s) => {
  s.on('error', () => s.destroy()); // a reset client is not the server's failure
  s.pipe(s);
});
server.on('error', (err) => {
  process.stderr.write(`echo.js: ${err.message}\n`);
  process.exit(1);
});
server.listen({ port, host, backlog: 4096 }, () => {
  const a = server.address();
  process.stderr.write(`echo.js: listening on ${a.address}:${a.port}\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
