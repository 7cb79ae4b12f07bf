import type { Plan } from '../../orchestrator/plan.js';

/** The plan as a person reads it before it runs. */
export function describePlan(plan: Plan, version = 1): string {
  const lines = plan.tasks.map((t) => {
    const what = t.prompt !== undefined ? (t.title || t.prompt.split('\n')[0]?.slice(0, 80) || '') : `$ ${(t.command ?? []).join(' ')}`;
    return `  ${t.id}${t.dependsOn.length ? ` (after ${t.dependsOn.join(', ')})` : ''}: ${what}${t.acceptance ? ` — done when: ${t.acceptance.slice(0, 80)}` : ''}`;
  });
  return `plan v${version}, ${plan.tasks.length} task${plan.tasks.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}
