/**
 * pushSummary (issue #9) against a loopback server that records what a Pushgateway would receive: method, path
 * (grouping key), content type and a body that passes `promtool check metrics`; and its failures as codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { parsePrometheusText } from '../../src/monitor/prometheus-text.ts';
import { PrometheusError } from '../../src/prometheus/errors.ts';
import { pushSummary, pushUrl } from '../../src/prometheus/pushgateway.ts';
import { requireTool } from '../fixtures/deploy-files.ts';
import { sampleReport } from '../fixtures/sample-report.ts';

interface Received {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

async function recorder(status = 200): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, contentType: String(req.headers['content-type']), body });
      res.writeHead(status).end(status === 200 ? '' : 'pushed metrics are invalid or inconsistent');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received, server };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

test('pushes the run summary with PUT to /metrics/job/<job>/instance/<test>', async (t) => {
  const { url, received, server } = await recorder();
  try {
    await pushSummary(`${url}/`, sampleReport(), { job: 'stampede', instance: 'vertex-ar baseline' });
    assert.equal(received.length, 1);
    const [r] = received;
    assert.equal(r!.method, 'PUT');
    assert.equal(r!.url, '/metrics/job/stampede/instance/vertex-ar%20baseline');
    assert.equal(r!.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    const samples = parsePrometheusText(r!.body);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
    assert.equal(value('stampede_run_requests'), 101);
    assert.equal(value('stampede_run_failures'), 1);
    assert.equal(value('stampede_run_rps'), 10.1);
    assert.equal(value('stampede_run_latency_seconds', { percentile: '95' }), 0.095);
    assert.equal(value('stampede_run_endpoint_requests', { method: 'GET', name: '/ar/:id' }), 100);
    assert.equal(value('stampede_run_end_timestamp_seconds'), Date.UTC(2025, 0, 1, 0, 0, 10) / 1000);
    assert.equal(value('stampede_run_thresholds_failed'), 0);
    if (requireTool(t, 'promtool')) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: r!.body, encoding: 'utf8' });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    }
  } finally {
    await close(server);
  }
});

test('grouping values with a slash use the base64url form', () => {
  assert.equal(pushUrl('http://pg:9091', 'stampede', 'suite/load'), `http://pg:9091/metrics/job/stampede/instance@base64/${Buffer.from('suite/load').toString('base64url')}`);
  assert.equal(pushUrl('http://pg:9091', 'stampede', ''), 'http://pg:9091/metrics/job/stampede/instance@base64/=');
});

test('a refused push and an unreachable Pushgateway are PrometheusErrors with a code', async () => {
  const { url, server } = await recorder(400);
  try {
    await assert.rejects(pushSummary(url, sampleReport()), (e: unknown) => {
      assert.ok(e instanceof PrometheusError);
      assert.equal(e.code, 'STAMPEDE_ERR_PROMETHEUS_PUSH');
      assert.match(e.message, /HTTP 400 pushed metrics are invalid/);
      return true;
    });
  } finally {
    await close(server);
  }
  await assert.rejects(pushSummary(url, sampleReport(), { timeoutMs: 2000 }), (e: unknown) => {
    assert.ok(e instanceof PrometheusError);
    assert.match(e.message, /ECONNREFUSED/);
    return true;
  });
});
