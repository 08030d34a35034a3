// The minimal node:http target (goal 4, and goal 1 when nginx is absent). Usage: node hello-server.mjs PORT
import { createServer } from 'node:http';

const body = Buffer.from('hello world');
const server = createServer((_req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1');
