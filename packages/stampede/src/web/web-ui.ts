/**
 * The web UI assembled: the built app, the server, the live stream and the system sampler around one TestSession.
 * The stream sends a frame as soon as a second is folded in, and once a second while no test runs (so the workers
 * tab of a master stays live between tests).
 */
import type { WebAuth } from './web-security.ts';
import { newCsrfToken } from './web-security.ts';
import { EventStream } from './event-stream.ts';
import type { LogBuffer } from './log-buffer.ts';
import { SystemSampler } from './system-sampler.ts';
import type { TestSession, WebRun } from './test-session.ts';
import { loadUiBundle } from './ui-bundle.ts';
import { createStreamSource, createWebRoutes, type ClusterView, type ReportSource } from './web-routes.ts';

export type { ClusterView } from './web-routes.ts';
import { startWebServer, type RunningWebServer } from './web-server.ts';

/** Options of startWebUi. */
export interface WebUiOptions<R extends WebRun> {
  host: string;
  port: number;
  auth?: WebAuth;
  allowedHosts?: string[];
  session: TestSession<R>;
  logs: LogBuffer;
  reports: ReportSource<R>;
  /** Also sample this process (the target): CPU and RSS from /proc. */
  monitorPid?: number;
  /** The workers, when the UI serves a master: the workers tab, /api/workers, and the status's worker count. */
  cluster?: ClusterView;
}

/** Builds the app, listens, and starts streaming. close() ends streams, timers and the server. */
export async function startWebUi<R extends WebRun>(o: WebUiOptions<R>): Promise<RunningWebServer> {
  const ui = await loadUiBundle();
  const { session } = o;
  const sampler = new SystemSampler({
    monitorPid: o.monitorPid,
    threadLoopLagMs: () => session.test?.run.runner.counters.loopLagP99Ms ?? 0,
  });
  const ctx = { session, logs: o.logs, system: () => sampler.latest, reports: o.reports, cluster: o.cluster };
  const source = createStreamSource(ctx);
  const stream = new EventStream(source);
  const server = await startWebServer({
    host: o.host,
    port: o.port,
    auth: o.auth,
    allowedHosts: o.allowedHosts,
    csrfToken: newCsrfToken(),
    ui,
    stream,
    routes: createWebRoutes(ctx, source),
  });

  let lastFrameAt = 0;
  const frame = () => {
    sampler.sample();
    stream.broadcast();
    lastFrameAt = performance.now();
  };
  const onState = () => stream.broadcast();
  session.on('tick', frame);
  session.on('state', onState);
  // Idle frames keep the system tab and the log view live between tests; a runner tick makes them unneeded.
  const idle = setInterval(() => {
    if (performance.now() - lastFrameAt > 1_200) frame();
  }, 1_000);
  idle.unref();

  return {
    ...server,
    close: async () => {
      clearInterval(idle);
      session.off('tick', frame);
      session.off('state', onState);
      sampler.close();
      await server.close();
    },
  };
}
