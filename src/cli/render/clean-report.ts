import path from 'node:path';
import type { Removal, Skip } from '../../orchestrator/clean.js';
import type { CleanReport } from '../../orchestrator/cleaner.js';
import { formatBytes, printable, table } from './format.js';
import { plural } from '../../domain/plural.js';

/** Bytes the removal frees (or would): worktrees and folders; a branch frees none until git gc. */
export function freedBytes(report: CleanReport): number {
  let bytes = 0;
  for (const item of report.removed) if (item.kind === 'worktree' || item.kind === 'logs') bytes += item.bytes;
  return bytes;
}

export function cleanCounts(report: CleanReport): { worktrees: number; branches: number; runs: number } {
  const count = (kind: Removal['kind']): number => report.removed.filter((item) => item.kind === kind).length;
  return { worktrees: count('worktree'), branches: count('branch'), runs: count('record') };
}

/** The documented shape of `mcp clean --json`. */
export function cleanJson(report: CleanReport, stateRoot: string): unknown {
  return {
    stateRoot,
    dryRun: report.dryRun,
    runs: report.runs,
    freedBytes: freedBytes(report),
    counts: cleanCounts(report),
    removed: report.removed.map((item) => {
      if (item.kind === 'worktree') return { kind: item.kind, run: item.run, task: item.task, path: item.path, bytes: item.bytes };
      if (item.kind === 'branch') return { kind: item.kind, run: item.run, task: item.task, branch: item.branch };
      if (item.kind === 'logs') return { kind: item.kind, run: item.run, task: item.task, path: item.path, bytes: item.bytes };
      return { kind: item.kind, run: item.run };
    }),
    skipped: report.skipped.map((skip) => ({
      kind: skip.kind,
      run: skip.run,
      task: skip.task ?? null,
      path: skip.path ?? null,
      branch: skip.branch ?? null,
      reason: skip.reason,
      message: skip.refusal.message,
      hint: skip.refusal.hint ?? null,
      flag: skip.refusal.flag,
    })),
    failed: report.failed.map(({ item, message }) => ({ ...describeFailed(item), message })),
  };
}

function describeFailed(item: CleanReport['failed'][number]['item']): Record<string, unknown> {
  if (item.kind === 'prune') return { kind: 'prune', repository: item.repository };
  if (item.kind === 'branch') return { kind: item.kind, run: item.run, branch: item.branch };
  if (item.kind === 'record') return { kind: item.kind, run: item.run };
  return { kind: item.kind, run: item.run, path: item.path };
}

/** Paths inside the state root are shown from it: `runs/<task>/workspace`. */
function shown(file: string, stateRoot: string): string {
  const rel = path.relative(stateRoot, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function removalRow(item: Removal, stateRoot: string): string[] {
  switch (item.kind) {
    case 'worktree':
      return ['worktree', item.task ?? item.run, shown(item.path, stateRoot), formatBytes(item.bytes)];
    case 'branch':
      return ['branch', item.task ?? item.run, item.branch, ''];
    case 'logs':
      return ['logs', item.task ?? item.run, shown(item.path, stateRoot), formatBytes(item.bytes)];
    case 'record':
      return ['store', item.run, 'its rows in store/tasks.db', ''];
  }
}

function skipRow(skip: Skip): string[] {
  const text = `${printable(skip.refusal.message)}${skip.refusal.hint ? ` — ${printable(skip.refusal.hint)}` : ''}`;
  return [skip.kind, skip.task ?? skip.run, text];
}

/** What went (or would), what stayed and why, what failed: for a person. */
export function renderCleanReport(report: CleanReport, stateRoot: string): string {
  const counts = cleanCounts(report);
  const parts = [
    ...(counts.worktrees > 0 ? [plural(counts.worktrees, 'worktree')] : []),
    ...(counts.branches > 0 ? [plural(counts.branches, 'branch', 'branches')] : []),
    ...(counts.runs > 0 ? [`the logs and records of ${plural(counts.runs, 'run')}`] : []),
  ];
  const what = parts.length === 0 ? null : parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  const bytes = formatBytes(freedBytes(report));
  const lines: string[] = [];
  if (report.dryRun) lines.push(what ? `dry run, nothing changed: would remove ${what}, freeing ${bytes}` : 'dry run: nothing to remove');
  else lines.push(what ? `removed ${what}; freed ${bytes}` : 'nothing to remove');
  if (report.removed.length > 0) lines.push(indent(table(report.removed.map((item) => removalRow(item, stateRoot)))));
  if (report.skipped.length > 0) {
    lines.push(`kept ${report.skipped.length}:`);
    lines.push(indent(table(report.skipped.map(skipRow))));
  }
  if (report.failed.length > 0) {
    lines.push(`failed ${report.failed.length}:`);
    for (const { item, message } of report.failed) {
      const subject = item.kind === 'prune' ? `git worktree prune in ${item.repository}` : item.kind === 'branch' ? item.branch : item.kind === 'record' ? `the rows of run ${item.run}` : shown(item.path, stateRoot);
      lines.push(`  ${subject}: ${printable(message)}`);
    }
  }
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
