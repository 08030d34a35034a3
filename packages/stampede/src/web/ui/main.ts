/**
 * The Stampede web UI (browser side). Bundled by esbuild when the server starts (src/web/ui-bundle.ts).
 * State comes from the live stream; actions are JSON POSTs with the page's token.
 */
import type { SnapshotFrame, TickFrame } from '../api-types.ts';
import { openStream } from './api.ts';
import { Charts } from './charts.ts';
import { Controls, showError } from './controls.ts';
import { LogView, renderDownloads, renderExceptions, renderFailures, renderSystem } from './panels.ts';
import { StatsTable } from './stats-table.ts';
import { renderWorkers } from './workers-tab.ts';

function setupTabs(onShow: () => void): void {
  const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('.tabs [data-tab]'));
  for (const tab of tabs) {
    tab.addEventListener('click', () => {
      for (const t of tabs) {
        const selected = t === tab;
        t.setAttribute('aria-selected', String(selected));
        const pane = document.getElementById(`tab-${t.dataset.tab}`);
        if (pane) pane.hidden = !selected;
      }
      onShow();
    });
  }
}

function start(): void {
  const charts = new Charts();
  const table = new StatsTable();
  const logs = new LogView();
  let testNumber = -1;
  let lastFrame: TickFrame | undefined;

  const controls = new Controls((status) => {
    if (lastFrame) controls.update(status, lastFrame.stats.totals);
  });

  const onTick = (frame: TickFrame) => {
    lastFrame = frame;
    if (frame.status.testNumber !== testNumber) {
      testNumber = frame.status.testNumber;
      charts.clearRun();
    }
    controls.update(frame.status, frame.stats.totals);
    table.update(frame.stats);
    charts.addPoints(frame.points);
    charts.addSystem(frame.system);
    renderSystem(frame.system);
    renderDownloads(frame.status.downloads);
    renderWorkers(frame.workers, frame.status.workers);
    charts.render();
  };

  setupTabs(() => charts.resize());
  window.addEventListener('resize', () => charts.resize());

  openStream({
    snapshot: (frame: SnapshotFrame) => {
      testNumber = frame.status.testNumber;
      charts.clearRun();
      logs.clear();
      onTick(frame);
      renderFailures(frame.failures);
      renderExceptions(frame.exceptions);
      logs.add(frame.logs);
    },
    tick: onTick,
    problems: (p) => {
      renderFailures(p.failures);
      renderExceptions(p.exceptions);
    },
    logs: (lines) => logs.add(lines),
    connection: (open) => {
      if (open) showError(null);
      else showError('Connection to the Stampede process lost; retrying…');
    },
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
