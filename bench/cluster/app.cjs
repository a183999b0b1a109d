// The trivial app every setup runs: answers with its pid. CommonJS, so PM2's cluster mode runs it too.
const http = require('node:http');

http.createServer((_req, res) => res.end(String(process.pid))).listen(Number(process.env.PORT ?? 3000));
