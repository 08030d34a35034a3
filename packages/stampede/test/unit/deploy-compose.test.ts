/**
 * Static checks of deploy/docker-compose.yml and deploy/nginx/nginx.conf (issue #9): no container engine runs
 * here, so the wiring is checked on the files — health checks, depends_on conditions, mounted files, and nginx
 * body limits against the API's upload limits. YAML is parsed by PyYAML (test/fixtures/deploy-files.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS } from 'vertex-ar';
import { composeServices, DEPLOY, loadYamlDocuments, requireYaml, servesPort } from '../fixtures/deploy-files.ts';

const MIB = 1024 * 1024;

function nginxSize(value: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(value);
  assert.ok(m, `nginx size '${value}'`);
  const unit = { '': 1, k: 1024, m: MIB, g: 1024 * MIB }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

/** `client_max_body_size` inside the location block that starts with `header`. */
function locationBodySize(conf: string, header: string): number {
  const start = conf.indexOf(header);
  assert.ok(start >= 0, `nginx.conf has no '${header}' block`);
  const block = conf.slice(start, conf.indexOf('}', start));
  const m = /client_max_body_size\s+(\S+);/.exec(block);
  assert.ok(m, `no client_max_body_size in '${header}'`);
  return nginxSize(m[1]!);
}

test('every compose service has a health check, and every depends_on names a service with a condition', (t) => {
  if (!requireYaml(t)) return;
  const services = composeServices();
  assert.ok(Object.keys(services).length >= 14, 'API, nginx, data stores, monitoring and exporters');
  const conditions = new Set(['service_healthy', 'service_started', 'service_completed_successfully']);
  for (const [name, svc] of Object.entries(services)) {
    const hc = svc.healthcheck;
    assert.ok(hc && !hc.disable && hc.test && hc.test.length > 0 && String(hc.test) !== 'NONE', `${name}: no health check`);
    assert.ok(svc.image || svc.build, `${name}: no image or build`);
    const deps = svc.depends_on ?? {};
    assert.ok(!Array.isArray(deps), `${name}: depends_on must be a map with conditions`);
    for (const [dep, spec] of Object.entries(deps)) {
      assert.ok(services[dep], `${name} depends on '${dep}', which is not a service`);
      assert.ok(spec.condition && conditions.has(spec.condition), `${name} → ${dep}: condition '${spec.condition}'`);
      // A service started by `up` must not wait for one that only a profile starts.
      if (!svc.profiles) assert.equal(services[dep]!.profiles, undefined, `${name} depends on profiled '${dep}'`);
    }
  }
  for (const required of ['api', 'nginx', 'postgres', 'redis', 'minio', 'prometheus', 'alertmanager', 'pushgateway', 'grafana', 'node-exporter', 'cadvisor', 'postgres-exporter', 'redis-exporter']) {
    assert.ok(services[required], `service ${required} is missing`);
  }
});

test('files the compose services mount exist, and published ports bind to loopback', (t) => {
  if (!requireYaml(t)) return;
  for (const [name, svc] of Object.entries(composeServices())) {
    for (const v of svc.volumes ?? []) {
      const source = v.split(':')[0]!;
      if (source.startsWith('./') || source.startsWith('../')) assert.ok(existsSync(path.join(DEPLOY, source)), `${name}: ${source} does not exist`);
    }
    for (const p of svc.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name}: ${p} would listen on every interface`);
  }
});

test('nginx body limits match the API upload limits (plus 1 MiB of multipart envelope)', () => {
  const conf = readFileSync(path.join(DEPLOY, 'nginx/nginx.conf'), 'utf8');
  const image = locationBodySize(conf, 'location = /portraits {');
  const video = locationBodySize(conf, 'location ~ ^/portraits/[^/]+/videos$ {');
  assert.ok(image >= DEFAULT_LIMITS.imageMaxBytes && image <= DEFAULT_LIMITS.imageMaxBytes + MIB, `image ${image} vs API ${DEFAULT_LIMITS.imageMaxBytes}`);
  assert.ok(video >= DEFAULT_LIMITS.videoMaxBytes && video <= DEFAULT_LIMITS.videoMaxBytes + MIB, `video ${video} vs API ${DEFAULT_LIMITS.videoMaxBytes}`);
  const server = /server\s*\{([\s\S]*)$/.exec(conf)![1]!;
  assert.ok(nginxSize(/client_max_body_size\s+(\S+);/.exec(server)![1]!) <= MIB, 'other routes accept small bodies only');
  assert.match(conf, /keepalive \d+;/, 'keep-alive upstream');
  assert.match(conf, /proxy_http_version 1\.1;/);
  assert.match(conf, /proxy_set_header Connection "";/);
});

test('nginx proxies to a compose service and port that exist', (t) => {
  if (!requireYaml(t)) return;
  const conf = readFileSync(path.join(DEPLOY, 'nginx/nginx.conf'), 'utf8');
  const services = composeServices();
  const servers = [...conf.matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)];
  assert.ok(servers.length > 0, 'an upstream server');
  for (const [, host, port] of servers) assert.ok(servesPort(services[host!], port!), `upstream ${host}:${port} is not a compose service port`);
});

test('the k8s ingress body limit matches the API video limit', (t) => {
  if (!requireYaml(t)) return;
  const docs = loadYamlDocuments(path.join(DEPLOY, 'k8s/vertex-ar-ingress.yaml')) as Array<{ metadata: { annotations: Record<string, string> } }>;
  const size = nginxSize(docs[0]!.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']!);
  assert.ok(size >= DEFAULT_LIMITS.videoMaxBytes && size <= DEFAULT_LIMITS.videoMaxBytes + MIB);
});
