/**
 * Watches every query kysely runs (its `log` hook): the duration goes into a histogram by statement
 * kind, and a query over the slow threshold is counted and logged with its plan (`EXPLAIN` on
 * PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite), at most once a minute per statement text so a slow
 * query under load does not turn into an EXPLAIN storm.
 */
import { CompiledQuery, type Kysely, type LogEvent } from 'kysely';
import type { AppMetrics } from '../metrics/metrics.ts';
import type { SqlDialectName } from './migrations.ts';

/** A structured log line. */
export type LogLine = Record<string, unknown>;

/** Options of {@link QueryObserver}. */
export interface QueryObserverOptions {
  dialect: SqlDialectName;
  metrics?: Pick<AppMetrics, 'dbQueryDuration' | 'dbSlowQueries'>;
  /** Queries at or above this duration (ms) are slow; negative disables. Default 250. */
  slowQueryMs?: number;
  /** Where slow-query lines go; default JSON on stderr. */
  log?: (line: LogLine) => void;
}

type Operation = 'select' | 'insert' | 'update' | 'delete' | 'other';
const OPERATIONS: readonly Operation[] = ['select', 'insert', 'update', 'delete'];
const EXPLAIN_EVERY_MS = 60_000;
const MAX_REMEMBERED = 1000;

/** Operation label of a statement: its first keyword. */
export function operationOf(sqlText: string): Operation {
  const head = sqlText.trimStart().slice(0, 6).toLowerCase();
  return (OPERATIONS as readonly string[]).includes(head) ? (head as Operation) : 'other';
}

/** The `log` hook of a kysely instance, plus EXPLAIN for slow statements. */
export class QueryObserver {
  readonly #options: QueryObserverOptions;
  readonly #labels = new Map<Operation, { operation: Operation }>([...OPERATIONS, 'other' as const].map((o) => [o, { operation: o }]));
  readonly #explainedAt = new Map<string, number>();
  #db: Kysely<any> | undefined;

  constructor(options: QueryObserverOptions) {
    this.#options = options;
  }

  /** The database EXPLAIN runs on (set once it exists, since its own constructor takes our hook). */
  attach(db: Kysely<any>): void {
    this.#db = db;
  }

  /** kysely's `log` option. */
  readonly log = (event: LogEvent): void => {
    const sqlText = event.query.sql;
    // Our own EXPLAINs pass through here too.
    if (/^\s*explain/i.test(sqlText)) return;
    const labels = this.#labels.get(operationOf(sqlText))!;
    this.#options.metrics?.dbQueryDuration.observe(labels, event.queryDurationMillis / 1000);
    const threshold = this.#options.slowQueryMs ?? 250;
    if (threshold < 0 || event.queryDurationMillis < threshold) return;
    this.#options.metrics?.dbSlowQueries.inc(labels);
    if (labels.operation !== 'other') void this.#explain(event.query, event.queryDurationMillis);
  };

  async #explain(query: CompiledQuery, durationMs: number): Promise<void> {
    const now = Date.now();
    const last = this.#explainedAt.get(query.sql);
    if (last !== undefined && now - last < EXPLAIN_EVERY_MS) return;
    if (this.#explainedAt.size >= MAX_REMEMBERED) this.#explainedAt.clear();
    this.#explainedAt.set(query.sql, now);
    const log = this.#options.log ?? ((line: LogLine) => process.stderr.write(JSON.stringify(line) + '\n'));
    let plan: string[];
    try {
      const prefix = this.#options.dialect === 'postgres' ? 'EXPLAIN ' : 'EXPLAIN QUERY PLAN ';
      const result = await this.#db!.executeQuery(CompiledQuery.raw(prefix + query.sql, [...query.parameters]));
      plan = result.rows.map((row: any) => String(row['QUERY PLAN'] ?? row.detail ?? JSON.stringify(row)));
    } catch (err) {
      plan = [`(EXPLAIN failed: ${(err as Error).message})`];
    }
    log({ level: 'warn', msg: 'slow query', duration_ms: Math.round(durationMs * 1000) / 1000, sql: query.sql, plan });
  }
}
