/**
 * Targets of goal 8 (bench/lib/goals-protocols.ts), one process: `h2 PORT HEALTH_PORT KEY CERT` serves "hello
 * world" over HTTP/2 on TLS (HTTP/1.1 allowed too); `ws PORT` is a WebSocket echo server (the Vertex AR API's
 * RFC 6455 server side). Both answer a plain GET on their health port, which the bench polls until it is up.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import http2 from 'node:http2';
import { acceptWebSocket } from '../../apps/vertex-ar/src/live/websocket.ts';

const [kind, port, healthPort, key, cert] = process.argv.slice(2);
const body = Buffer.from('hello world');

if (kind === 'h2') {
  const server = http2.createSecureServer({ key: readFileSync(key!), cert: readFileSync(cert!), allowHTTP1: true, settings: { maxConcurrentStreams: 256 } }, (_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(body);
  });
  server.listen(Number(port), '127.0.0.1');
  createServer((_req, res) => res.end('ok')).listen(Number(healthPort), '127.0.0.1');
} else {
  const server = createServer((_req, res) => res.end('ok'));
  server.on('upgrade', (req, socket, head) => {
    const ws = acceptWebSocket(req, socket, head);
    ws?.on('message', (data) => ws.send(data));
  });
  server.listen(Number(port), '127.0.0.1');
}
