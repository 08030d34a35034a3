/**
 * Static checks of every manifest in deploy/k8s (the API's and the distributed generators'), issue #9: workload
 * selectors match their pod template labels; Services, PodDisruptionBudgets, autoscalers and Ingresses point at
 * things that exist; the API's probes use /health/live and /health/ready on a declared port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DEPLOY, loadYamlDocuments, requireYaml } from '../fixtures/deploy-files.ts';

type Labels = Record<string, string>;
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
}
interface PodTemplate {
  metadata?: { labels?: Labels };
  spec: { containers: Container[] };
}
interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  spec?: Record<string, unknown>;
  file: string;
}
interface Workload {
  manifest: Manifest;
  template: PodTemplate;
  selector?: Labels;
}

const K8S = path.join(DEPLOY, 'k8s');

function manifests(): Manifest[] {
  return readdirSync(K8S)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((file) => (loadYamlDocuments(path.join(K8S, file)) as Manifest[]).filter(Boolean).map((m) => ({ ...m, file })));
}

/** Deployments, StatefulSets, DaemonSets, Jobs and CronJobs with their pod templates. */
function workloads(all: Manifest[]): Workload[] {
  const out: Workload[] = [];
  for (const m of all) {
    const spec = m.spec as { selector?: { matchLabels?: Labels }; template?: PodTemplate; jobTemplate?: { spec: { template: PodTemplate; selector?: { matchLabels?: Labels } } } } | undefined;
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(m.kind) && spec?.template) {
      out.push({ manifest: m, template: spec.template, selector: spec.selector?.matchLabels });
    } else if (m.kind === 'CronJob' && spec?.jobTemplate) {
      out.push({ manifest: m, template: spec.jobTemplate.spec.template, selector: spec.jobTemplate.spec.selector?.matchLabels });
    }
  }
  return out;
}

const subset = (sel: Labels, labels: Labels | undefined) => Object.entries(sel).every(([k, v]) => labels?.[k] === v);
const where = (m: Manifest) => `${m.file}: ${m.kind}/${m.metadata.name}`;
const sameNamespace = (a: Manifest, b: Manifest) => (a.metadata.namespace ?? 'default') === (b.metadata.namespace ?? 'default');

test('every workload selector matches its pod template labels', (t) => {
  if (!requireYaml(t)) return;
  const all = manifests();
  const ws = workloads(all);
  assert.ok(ws.some((w) => w.manifest.metadata.name === 'vertex-ar'), 'the API Deployment');
  for (const w of ws) {
    const labels = w.template.metadata?.labels;
    assert.ok(labels && Object.keys(labels).length > 0, `${where(w.manifest)}: template without labels`);
    if (w.manifest.kind !== 'Job' && w.manifest.kind !== 'CronJob') assert.ok(w.selector, `${where(w.manifest)}: no selector`);
    if (w.selector) assert.ok(subset(w.selector, labels), `${where(w.manifest)}: selector ${JSON.stringify(w.selector)} ≠ labels ${JSON.stringify(labels)}`);
  }
});

test('Services, PodDisruptionBudgets, autoscalers and Ingresses point at what exists', (t) => {
  if (!requireYaml(t)) return;
  const all = manifests();
  const ws = workloads(all);
  for (const svc of all.filter((m) => m.kind === 'Service')) {
    const spec = svc.spec as { selector?: Labels; ports: Array<{ name?: string; port: number; targetPort?: string | number }> };
    if (!spec.selector) continue; // headless or external: nothing to match
    const backing = ws.filter((w) => sameNamespace(w.manifest, svc) && subset(spec.selector!, w.template.metadata?.labels));
    assert.ok(backing.length > 0, `${where(svc)}: selector ${JSON.stringify(spec.selector)} matches no pod template`);
    const ports = backing.flatMap((w) => w.template.spec.containers.flatMap((c) => c.ports ?? []));
    for (const p of spec.ports) {
      const target = p.targetPort ?? p.port;
      assert.ok(ports.some((cp) => cp.name === target || cp.containerPort === target), `${where(svc)}: targetPort ${target} is not a container port`);
    }
  }
  for (const pdb of all.filter((m) => m.kind === 'PodDisruptionBudget')) {
    const sel = (pdb.spec as { selector: { matchLabels: Labels } }).selector.matchLabels;
    assert.ok(ws.some((w) => sameNamespace(w.manifest, pdb) && subset(sel, w.template.metadata?.labels)), `${where(pdb)}: selector matches nothing`);
  }
  for (const hpa of all.filter((m) => m.kind === 'HorizontalPodAutoscaler')) {
    const ref = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
    assert.ok(all.some((m) => m.kind === ref.kind && m.metadata.name === ref.name && sameNamespace(m, hpa)), `${where(hpa)}: ${ref.kind}/${ref.name} missing`);
  }
  for (const ing of all.filter((m) => m.kind === 'Ingress')) {
    const rules = (ing.spec as { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name?: string; number?: number } } } }> } }> }).rules;
    for (const { backend } of rules.flatMap((r) => r.http.paths)) {
      const svc = all.find((m) => m.kind === 'Service' && m.metadata.name === backend.service.name && sameNamespace(m, ing));
      assert.ok(svc, `${where(ing)}: Service ${backend.service.name} missing`);
      const ports = (svc.spec as { ports: Array<{ name?: string; port: number }> }).ports;
      assert.ok(ports.some((p) => p.name === backend.service.port.name || p.port === backend.service.port.number), `${where(ing)}: port`);
    }
  }
  const configMaps = new Set(all.filter((m) => m.kind === 'ConfigMap').map((m) => m.metadata.name));
  for (const w of ws) {
    for (const ref of w.template.spec.containers.flatMap((c) => c.envFrom ?? []).filter((e) => e.configMapRef)) {
      assert.ok(configMaps.has(ref.configMapRef!.name), `${where(w.manifest)}: ConfigMap ${ref.configMapRef!.name} missing`);
    }
  }
});

test('the API probes liveness on /health/live and readiness on /health/ready, on a declared port', (t) => {
  if (!requireYaml(t)) return;
  const api = workloads(manifests()).filter((w) => w.template.metadata?.labels?.['app.kubernetes.io/name'] === 'vertex-ar');
  assert.ok(api.length > 0);
  for (const w of api) {
    for (const c of w.template.spec.containers) {
      assert.equal(c.livenessProbe?.httpGet?.path, '/health/live', `${c.name}: liveness`);
      assert.equal(c.readinessProbe?.httpGet?.path, '/health/ready', `${c.name}: readiness`);
      if (c.startupProbe) assert.equal(c.startupProbe.httpGet?.path, '/health/live', `${c.name}: startup`);
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe].filter(Boolean)) {
        const port = probe!.httpGet!.port;
        assert.ok((c.ports ?? []).some((p) => p.name === port || p.containerPort === port), `${c.name}: probe port ${port}`);
      }
    }
  }
});
