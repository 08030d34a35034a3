// Issue 24: what inject() could never send, over a real socket on loopback, on SQLite and PostgreSQL: broken
// framing (bad or doubled Transfer-Encoding, duplicate Content-Length, both at once), request smuggling attempts,
// malformed request lines and heads. Each case has its expected answer; a timeout, a malformed response, a 5xx or
// a second unsolicited response fails, a smuggled request must never run, and the server must be healthy after.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonOf, rawExchange, type RawExchange } from '../support/raw-http.ts';
import { call, describeEachDatabase, snapshot, startTestServer, type TestServer } from '../support/test-server.ts';

const H = 'Host: 127.0.0.1\r\nConnection: close\r\n';
const JSON_H = `${H}Content-Type: application/json\r\n`;
/** A request that, if it ever ran, would leave a row behind. */
const SMUGGLED_BODY = '{"username":"smuggled","email":"smuggled@example.com","password":"correct-horse"}';
const SMUGGLED = `POST /auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${SMUGGLED_BODY.length}\r\n\r\n${SMUGGLED_BODY}`;
const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;

/** name, bytes, the statuses expected in order (interim ones included; [] = closed without an answer). */
type Case = [name: string, bytes: string | Buffer, expected: number[], options?: { end?: boolean }];

const CASES: Case[] = [
  // RFC 9112 §6.1: Transfer-Encoding and Content-Length together is a smuggling attempt: 400 and close.
  ['CL.TE smuggling', `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${5 + SMUGGLED.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, [400]],
  ['TE.CL smuggling', `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(SMUGGLED)}0\r\n\r\n`, [400]],
  ['TE.TE, second one obfuscated', `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\nContent-Length: 4\r\n\r\n${chunk(SMUGGLED)}0\r\n\r\n`, [400]],
  ['Transfer-Encoding with a space before the colon', `POST /auth/login HTTP/1.1\r\n${JSON_H}Transfer-Encoding : chunked\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`, [400]],
  ['Transfer-Encoding with a vertical tab', `POST /auth/login HTTP/1.1\r\n${JSON_H}Transfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n`, [400]],
  // RFC 9112 §6.3: chunked must be the final coding of a request, or 400.
  ['Transfer-Encoding: chunked, identity', `POST /auth/login HTTP/1.1\r\n${JSON_H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`, [400]],
  ['Transfer-Encoding: identity on a JSON body', `POST /auth/login HTTP/1.1\r\n${JSON_H}Transfer-Encoding: identity\r\n\r\n{"username":"a","password":"b"}`, [400]],
  ['Transfer-Encoding: chunked twice', `POST /auth/login HTTP/1.1\r\n${JSON_H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${chunk('{}')}0\r\n\r\n`, [400]],
  ['duplicate Content-Length, different values', `POST /auth/login HTTP/1.1\r\n${JSON_H}Content-Length: 2\r\nContent-Length: ${2 + SMUGGLED.length}\r\n\r\n{}${SMUGGLED}`, [400]],
  ['duplicate Content-Length, same value', `POST /auth/login HTTP/1.1\r\n${JSON_H}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}`, [400]],
  ['Content-Length as a list', `POST /auth/login HTTP/1.1\r\n${JSON_H}Content-Length: 2, 2\r\n\r\n{}`, [400]],
  ['negative Content-Length', `POST /auth/login HTTP/1.1\r\n${JSON_H}Content-Length: -1\r\n\r\n{}`, [400]],
  ['Content-Length longer than the body, then end of stream', `POST /auth/login HTTP/1.1\r\n${JSON_H}Content-Length: 100\r\n\r\n{"username":"a"}`, [400], { end: true }],
  // Over the 1 MiB body limit by its declared length alone: refused before any body is read.
  ['Content-Length of 100 GB', `POST /auth/login HTTP/1.1\r\n${JSON_H}Content-Length: 99999999999\r\n\r\n{}`, [413]],
  ['chunk size not hex', `POST /auth/login HTTP/1.1\r\n${JSON_H}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, [400]],
  ['chunk size overflowing 64 bits', `POST /auth/login HTTP/1.1\r\n${JSON_H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n{}\r\n0\r\n\r\n`, [400]],
  ['chunk with bare LF line ends', `POST /auth/login HTTP/1.1\r\n${JSON_H}Transfer-Encoding: chunked\r\n\r\n2\n{}\n0\n\n`, [400]],
  ['obsolete line folding', `GET /health/live HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`, [400]],
  ['bare LF line ends', 'GET /health/live HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n', [400]],
  ['bare CR in the head', `GET /health/live HTTP/1.1\rHost: 127.0.0.1\r\n${H}\r\n`, [400]],
  ['space in a header name', `GET /health/live HTTP/1.1\r\n${H}Bad Header: 1\r\n\r\n`, [400]],
  ['HTTP/1.1 without Host', 'GET /health/live HTTP/1.1\r\nConnection: close\r\n\r\n', [400]],
  ['a token after the version', `GET /health/live HTTP/1.1 x\r\n${H}\r\n`, [400]],
  ['lower-case method', `get /health/live HTTP/1.1\r\n${H}\r\n`, [400]],
  ['unknown method', `NOTAMETHOD /health/live HTTP/1.1\r\n${H}\r\n`, [400]],
  ['HTTP/9.9', `GET /health/live HTTP/9.9\r\n${H}\r\n`, [400]],
  ['NUL in the target', `GET /health\u0000 HTTP/1.1\r\n${H}\r\n`, [400]],
  ['HTTP/2 preface on an HTTP/1.1 port', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', [400]],
  ['TLS ClientHello on an HTTP port', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), [400]],
  // Node answers an Expect it does not know with 417, and 100-continue with an interim 100 before the route's answer.
  ['Expect: 200-ok', `POST /auth/login HTTP/1.1\r\n${JSON_H}Expect: 200-ok\r\nContent-Length: 2\r\n\r\n{}`, [417]],
  ['Expect: 100-continue', `POST /auth/login HTTP/1.1\r\n${JSON_H}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}`, [100, 400]],
  // No proxying: Node closes a CONNECT without a word when the server has no 'connect' listener.
  ['CONNECT', `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`, []],
  ['absolute-form target for another host', `GET http://evil.example/health/live/../../admin/users HTTP/1.1\r\n${H}\r\n`, [404]],
  ['OPTIONS *', `OPTIONS * HTTP/1.1\r\n${H}\r\n`, [404]],
];

describeEachDatabase('HTTP framing over a real socket', (db) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ jwtSecret: 'framing-secret-that-is-long-enough-0123456789', defaultMetrics: false }, db);
  });
  after(() => t?.close());

  test('broken framing, smuggling and malformed heads: the expected answer, once, then the connection closes', async () => {
    const before = await snapshot(t);
    for (const [name, bytes, expected, options] of CASES) {
      const { responses } = await rawExchange(t.url, bytes, { end: options?.end });
      assert.deepEqual(responses.map((r) => r.status), expected, name);
    }
    assert.deepEqual(await snapshot(t), before, 'no smuggled request ran: no row and no file appeared');
    assert.equal((await call(t, 'GET', '/health/ready')).status, 200);
    assert.equal((await call(t, 'POST', '/auth/login', { json: { username: 'smuggled', password: 'correct-horse' } })).status, 401);
  });

  test('a chunked body, valid but oddly cased and spaced, is read like any other', async () => {
    const body = chunk('{"username":"nobody",') + chunk('"password":"wrong-password"}') + '0\r\n\r\n';
    for (const te of ['chunked', 'CHUNKED', ' \tchunked ']) {
      const { responses } = await rawExchange(t.url, `POST /auth/login HTTP/1.1\r\n${JSON_H}Transfer-Encoding:${te}\r\n\r\n${body}`);
      assert.deepEqual(responses.map((r) => r.status), [401], JSON.stringify(te));
      assert.equal(jsonOf(responses[0]!).error.code, 'VERTEX_ERR_UNAUTHORIZED');
    }
  });

  // Found by this file (issue 24): Fastify's default clientError handler wrote its 400 even when the app had
  // already answered the request, and in its own body shape rather than the API's error envelope.
  test('a request refused by the parser after the app answered gets no second, unsolicited response', async () => {
    const x: RawExchange = await rawExchange(t.url, `POST /auth/login HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`);
    assert.equal(x.responses.length, 1, x.text);
  });

  test('a request refused by the parser is answered in the error envelope', async () => {
    const { responses } = await rawExchange(t.url, CASES[0]![1]);
    assert.equal(typeof jsonOf(responses[0]!).error.code, 'string', responses[0]!.body.toString());
  });
});
