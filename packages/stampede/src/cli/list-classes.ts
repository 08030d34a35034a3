/**
 * `-l/--list` (Locust's): the user classes the run would start — after USER_CLASS arguments and -T/-E — each with
 * its weight and its tasks (task sets with theirs, indented), then exit 0. Loads the script; sends nothing.
 */
import { createTagFilter, compileTaskPlan, type TaskPlan } from '../user/task-plan.ts';
import type { UserClass } from '../user/user.ts';
import type { RunOptions } from './options.ts';
import type { RunIo } from './run-io.ts';
import { loadUserFiles } from './user-files.ts';

function share(cls: UserClass): string {
  return cls.fixedCount > 0 ? `fixedCount ${cls.fixedCount}` : `weight ${cls.weight}`;
}

function planLines(plan: TaskPlan, indent: string, out: string[], seen: Set<TaskPlan>): void {
  const total = plan.entries.reduce((n, e) => n + e.weight, 0);
  for (const entry of plan.entries) {
    const ratio = total > 0 ? ` (weight ${entry.weight}, ${((100 * entry.weight) / total).toFixed(1)} %)` : '';
    const tags = entry.tags.size > 0 ? ` [${[...entry.tags].join(', ')}]` : '';
    out.push(`${indent}${entry.kind === 'set' ? 'TaskSet ' : ''}${entry.name}${ratio}${tags}`);
    // A task set may interrupt back into itself: list its tasks once.
    if (entry.kind === 'set' && !seen.has(entry.plan)) planLines(entry.plan, `${indent}    `, out, new Set([...seen, entry.plan]));
  }
}

/** The listing's lines. */
export function userClassLines(classes: readonly UserClass[], opts: Pick<RunOptions, 'tags' | 'excludeTags'>): string[] {
  const filter = createTagFilter(opts.tags, opts.excludeTags);
  const lines = ['Available user classes:'];
  for (const cls of classes) {
    lines.push(`    ${cls.name} (${share(cls)})`);
    planLines(compileTaskPlan(cls, filter), '        ', lines, new Set());
  }
  return lines;
}

/** Prints the listing; resolves exit code 0 (a script that does not load is a usage error, as for a run). */
export async function listUserClasses(opts: RunOptions, io: RunIo): Promise<number> {
  const script = await loadUserFiles(opts.file, { picks: opts.userClasses, tagFilter: createTagFilter(opts.tags, opts.excludeTags), logger: io.logger });
  script.dispose();
  io.out(userClassLines(script.classes, opts).join('\n'));
  return 0;
}
