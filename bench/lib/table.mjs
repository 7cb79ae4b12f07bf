// The table printed on stdout: one row per case, its details indented below it.
import { ms } from './format.mjs';

function valueText(row, v) {
  if (v === null || v === undefined) return '-';
  return row.unit === 'ms' ? ms(v) : `${v} ${row.unit}`;
}

export function table(rows, info, totalS) {
  const lines = [];
  lines.push(`mcp bench — ${info.cpus} CPUs (${info.cpuModel}), node ${info.node}, ${info.codex ?? 'codex ?'}, ${info.platform}; ${totalS.toFixed(0)} s in all`);
  lines.push('');
  const head = ['#', 'measure', 'mcp', 'baseline', 'vs', 'ratio', 'target', 'result'];
  const body = rows.map((r) =>
    r.error
      ? [String(r.id), r.name, '-', '-', '-', '-', r.target ?? '-', 'ERROR']
      : [String(r.id), r.name, valueText(r, r.mcp), valueText(r, r.baseline), r.baselineLabel, r.ratio === null ? '-' : r.ratio.toFixed(2), r.target, r.pass ? 'PASS' : 'FAIL'],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells) => cells.map((c, i) => (i === 2 || i === 3 || i === 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  lines.push(fmt(head));
  rows.forEach((r, i) => {
    lines.push(fmt(body[i]));
    for (const d of r.error ? [`error: ${r.error}`] : r.details) lines.push(`${' '.repeat(widths[0] + 2)}${d}`);
  });
  return lines.join('\n');
}
