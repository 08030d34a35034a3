/** The header (state, key figures, buttons) and the start and edit forms. */
import type { StatsRow, StatusResponse } from '../api-types.ts';
import { post } from './api.ts';
import { byId, fmt, fmtDuration, fmtMs, h, setText } from './dom.ts';

const ACTIVE = new Set(['starting', 'spawning', 'running', 'stopping']);

/** Shows a one-line error under the header (or hides it). */
export function showError(message: string | null): void {
  const banner = byId('banner');
  banner.hidden = message === null;
  setText(banner, message ?? '');
}

function field(form: HTMLFormElement, name: string): HTMLInputElement {
  return form.elements.namedItem(name) as HTMLInputElement;
}

/** Runs an action; errors go to the banner. */
async function act(button: HTMLButtonElement, path: string, body?: unknown): Promise<StatusResponse | undefined> {
  button.disabled = true;
  try {
    const status = await post(path, body);
    showError(null);
    return status;
  } catch (error) {
    showError((error as Error).message);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

/** Wires the buttons and forms; update() follows the server's status. */
export class Controls {
  readonly #start = byId('start-panel');
  readonly #edit = byId('edit-panel');
  readonly #startForm = byId<HTMLFormElement>('start-form');
  readonly #editForm = byId<HTMLFormElement>('edit-form');
  #status: StatusResponse | undefined;
  #formFilled = false;
  #wantStartForm = false;

  constructor(onStatus: (s: StatusResponse) => void) {
    const apply = (s: StatusResponse | undefined) => s && onStatus(s);
    byId('btn-new').addEventListener('click', () => {
      this.#wantStartForm = true;
      this.#syncPanels();
    });
    byId('start-cancel').addEventListener('click', () => {
      this.#wantStartForm = false;
      this.#syncPanels();
    });
    byId('btn-edit').addEventListener('click', () => {
      const s = this.#status;
      if (s) {
        field(this.#editForm, 'users').value = String(s.targetUsers);
        field(this.#editForm, 'spawnRate').value = String(s.spawnRate);
      }
      this.#edit.hidden = !this.#edit.hidden;
    });
    byId('edit-cancel').addEventListener('click', () => (this.#edit.hidden = true));
    byId('btn-stop').addEventListener('click', (e) => void act(e.currentTarget as HTMLButtonElement, '/api/stop').then(apply));
    byId('btn-reset').addEventListener('click', (e) => void act(e.currentTarget as HTMLButtonElement, '/api/reset').then(apply));
    this.#startForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const f = this.#startForm;
      const userClasses = Array.from(f.querySelectorAll<HTMLInputElement>('input[name="userClass"]:checked')).map((c) => c.value);
      const body = { users: Number(field(f, 'users').value), spawnRate: Number(field(f, 'spawnRate').value), host: field(f, 'host').value, runTime: field(f, 'runTime').value, userClasses };
      void act(byId<HTMLButtonElement>('start-button'), '/api/start', body).then((s) => {
        if (!s) return;
        this.#wantStartForm = false;
        apply(s);
      });
    });
    this.#editForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { users: Number(field(this.#editForm, 'users').value), spawnRate: Number(field(this.#editForm, 'spawnRate').value) };
      void act(byId<HTMLButtonElement>('edit-button'), '/api/edit', body).then((s) => {
        if (!s) return;
        this.#edit.hidden = true;
        apply(s);
      });
    });
  }

  /** Follows the server's status: header figures, enabled buttons, which panel shows. */
  update(s: StatusResponse, totals: StatsRow): void {
    this.#status = s;
    if (!this.#formFilled) this.#fillStartForm(s);
    const pill = byId('m-state');
    setText(pill, s.state);
    pill.className = `pill ${s.state}`;
    setText(byId('m-host'), s.host || '–');
    byId('m-host').title = s.host;
    setText(byId('m-users'), s.state === 'spawning' ? `${fmt(s.users)} → ${fmt(s.targetUsers)}` : fmt(s.users));
    setText(byId('m-rps'), fmt(totals.currentRps, 1));
    setText(byId('m-fail'), totals.requests === 0 ? '0%' : `${fmt((100 * totals.failures) / totals.requests, 1)}%`);
    setText(byId('m-p95'), totals.requests === 0 ? '–' : `${fmtMs(totals.p95Ms)} ms`);
    setText(byId('m-elapsed'), s.testNumber === 0 ? '–' : fmtDuration(s.elapsedS));
    const active = ACTIVE.has(s.state);
    const live = s.state === 'spawning' || s.state === 'running';
    (byId('btn-new') as HTMLButtonElement).disabled = active;
    (byId('btn-stop') as HTMLButtonElement).disabled = !live;
    (byId('btn-edit') as HTMLButtonElement).disabled = !live;
    (byId('btn-reset') as HTMLButtonElement).disabled = s.testNumber === 0;
    if (!live) this.#edit.hidden = true;
    if (s.lastError && !active) showError(s.lastError);
    this.#syncPanels();
  }

  #syncPanels(): void {
    const s = this.#status;
    const active = s ? ACTIVE.has(s.state) : true;
    this.#start.hidden = active || !(this.#wantStartForm || s?.testNumber === 0);
  }

  /** Fills the start form once with the command line's values, so one click starts a test. */
  #fillStartForm(s: StatusResponse): void {
    this.#formFilled = true;
    const f = this.#startForm;
    const d = s.defaults;
    field(f, 'users').value = String(d.users);
    field(f, 'spawnRate').value = String(d.spawnRate);
    field(f, 'host').value = d.host;
    field(f, 'runTime').value = d.runTime;
    const list = byId('class-list');
    list.replaceChildren(
      ...d.classes.map((c) => {
        const box = h('input', { attrs: { type: 'checkbox', name: 'userClass' } });
        box.value = c.name;
        box.checked = true;
        const note = c.fixedCount > 0 ? `fixed ${c.fixedCount}` : `weight ${c.weight}`;
        return h('label', null, box, c.name, h('small', null, ` (${note})`));
      }),
    );
  }
}
