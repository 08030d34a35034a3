// The response's header object is built without undici (issue 11 goal 3: undici is loaded only when a hop needs
// it), so it must give exactly what undici's util.parseHeaders gave before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { util } from 'undici';
import { parseRawHeaders } from '../../src/http/response.ts';

const raw = (...pairs: string[]) => pairs.map((p) => Buffer.from(p, 'latin1'));

test('parseRawHeaders equals undici util.parseHeaders: case, repeats, latin1, odd names', () => {
  const cases = [
    raw(),
    raw('Content-Type', 'text/plain', 'Content-Length', '11'),
    raw('Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'SET-COOKIE', 'c=3'),
    raw('X-Caf\u00e9', 'cr\u00e8me', 'X-Empty', ''),
    raw('__proto__', 'x', 'constructor', 'y', 'toString', 'z', '__proto__', 'w'),
    raw('Hasownproperty', 'v', 'Vary', 'Accept', 'vary', 'Origin'),
  ];
  for (const c of cases) {
    const ours = parseRawHeaders(c);
    const theirs = util.parseHeaders(c) as Record<string, unknown>;
    assert.deepEqual(Object.entries(ours), Object.entries(theirs));
    assert.equal(Object.getPrototypeOf(ours), Object.prototype);
  }
});

test('repeated headers become arrays in arrival order; a lone header stays a string', () => {
  const h = parseRawHeaders(raw('Set-Cookie', 'a=1', 'Date', 'x', 'set-cookie', 'b=2'));
  assert.deepEqual(h['set-cookie'], ['a=1', 'b=2']);
  assert.equal(h.date, 'x');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
