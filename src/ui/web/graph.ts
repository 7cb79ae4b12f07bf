import dagre from '@dagrejs/dagre';
import type { TaskDigest, TaskView } from '../wire.js';
import { describe } from './describe.js';
import { clear, duration, elapsed, h, s } from './dom.js';

export type GroupBy = 'none' | 'state' | 'version';

export interface GraphInput {
  tasks: TaskView[];
  digests: Record<string, TaskDigest>;
  /** Resolver key → the key of the task whose merge conflict it resolves. */
  resolves: Record<string, string>;
  planVersion: number;
  groupBy: GroupBy;
  /** Groups shown task by task although grouping is on. */
  expanded: ReadonlySet<string>;
  showReplaced: boolean;
  selected: string | null;
  /** Where the run's durations stopped (its supervisor is gone), or null while they count. */
  stoppedAt: string | null;
}

/**
 * Above this many tasks in one picture, dagre's layout takes longer than a first render may
 * (about 1 s for 1,000 nodes here), and nobody reads it anyway: the page groups by state.
 */
export const MAX_NODES_UNGROUPED = 150;

/** Below this, node labels cannot be read: "fit" stops there and the graph scrolls. */
const MIN_FIT_ZOOM = 0.6;
const NODE_W = 196;
const NODE_H = 54;
const GROUP_W = 180;
const GROUP_H = 58;

interface NodeSpec {
  id: string;
  kind: 'task' | 'group';
  task?: TaskView;
  group?: { key: string; label: string; tasks: TaskView[] };
}

interface EdgeSpec {
  from: string;
  to: string;
  kind: 'dep' | 'resolves';
  count: number;
}

function groupKey(task: TaskView, by: GroupBy): string {
  return by === 'state' ? `state:${task.status}` : `version:${task.planVersion}`;
}

function groupLabel(key: string): string {
  const [kind, value] = key.split(':');
  return kind === 'state' ? (value ?? '') : `plan v${value ?? ''}`;
}

/** The run's DAG as SVG: tasks (or groups of them) coloured by state, dependency edges, resolvers. */
export class RunGraph {
  private readonly svgHost = h('div', { class: 'graph-canvas' });
  private structure = '';
  private zoom = 1;
  private natural = { width: 0, height: 0 };
  private svg: SVGSVGElement | null = null;
  private readonly labels = new Map<string, { rect: SVGRectElement; state: SVGTextElement; last: SVGTextElement; g: SVGGElement }>();
  private input: GraphInput | null = null;

  constructor(
    readonly element: HTMLElement,
    private readonly onTask: (taskId: string) => void,
    private readonly onGroup: (groupKey: string) => void,
  ) {
    const zoomBy = (factor: number) => () => this.setZoom(this.zoom * factor);
    element.append(
      h('div', { class: 'graph-zoom' }, h('button', { type: 'button', title: 'zoom out', onclick: zoomBy(1 / 1.25) }, '−'), h('button', { type: 'button', title: 'fit', onclick: () => this.fit() }, 'fit'), h('button', { type: 'button', title: 'zoom in', onclick: zoomBy(1.25) }, '+')),
      this.svgHost,
    );
  }

  render(input: GraphInput): void {
    this.input = input;
    const { nodes, edges } = this.model(input);
    const structure = JSON.stringify([input.groupBy, nodes.map((n) => n.id), edges.map((e) => [e.from, e.to, e.count, e.kind]), this.direction()]);
    if (structure !== this.structure) {
      this.structure = structure;
      this.layout(nodes, edges);
    }
    this.paint(nodes, input);
  }

  /** Elapsed times of running tasks move every second; nothing else is redrawn. */
  tick(): void {
    if (!this.input) return;
    for (const task of this.input.tasks) {
      if (task.endedAt || !task.startedAt) continue;
      const label = this.labels.get(task.id);
      if (label) label.state.textContent = this.stateLine(task);
    }
  }

  private direction(): 'LR' | 'TB' {
    return this.element.clientWidth > 0 && this.element.clientWidth < 640 ? 'TB' : 'LR';
  }

  private model(input: GraphInput): { nodes: NodeSpec[]; edges: EdgeSpec[] } {
    const tasks = input.tasks.filter((t) => input.showReplaced || !t.superseded);
    const byKey = new Map<string, TaskView>();
    // A key a replan reused names its newest task.
    for (const task of tasks) {
      const seen = byKey.get(task.key);
      if (!seen || (seen.superseded && !task.superseded) || seen.planVersion < task.planVersion) byKey.set(task.key, task);
    }
    const nodeOf = new Map<string, string>();
    const nodes: NodeSpec[] = [];
    const groups = new Map<string, NodeSpec>();
    for (const task of tasks) {
      const key = groupKey(task, input.groupBy);
      if (input.groupBy === 'none' || input.expanded.has(key)) {
        nodes.push({ id: task.id, kind: 'task', task });
        nodeOf.set(task.id, task.id);
        continue;
      }
      let group = groups.get(key);
      if (!group) {
        group = { id: `group:${key}`, kind: 'group', group: { key, label: groupLabel(key), tasks: [] } };
        groups.set(key, group);
        nodes.push(group);
      }
      group.group?.tasks.push(task);
      nodeOf.set(task.id, group.id);
    }
    const edges = new Map<string, EdgeSpec>();
    const link = (fromTask: TaskView | undefined, toTask: TaskView, kind: EdgeSpec['kind']): void => {
      if (!fromTask) return;
      const from = nodeOf.get(fromTask.id);
      const to = nodeOf.get(toTask.id);
      if (!from || !to || from === to) return;
      const id = `${from}>${to}>${kind}`;
      const edge = edges.get(id);
      if (edge) edge.count += 1;
      else edges.set(id, { from, to, kind, count: 1 });
    };
    for (const task of tasks) {
      for (const dep of task.dependsOn) link(byKey.get(dep), task, 'dep');
      const resolved = input.resolves[task.key];
      if (resolved) link(byKey.get(resolved), task, 'resolves');
    }
    return { nodes, edges: [...edges.values()] };
  }

  private layout(nodes: NodeSpec[], edges: EdgeSpec[]): void {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: this.direction(), nodesep: 14, ranksep: 56, marginx: 12, marginy: 12 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const node of nodes) g.setNode(node.id, node.kind === 'task' ? { width: NODE_W, height: NODE_H } : { width: GROUP_W, height: GROUP_H });
    for (const edge of edges) g.setEdge(edge.from, edge.to, {}, `${edge.kind}`);
    dagre.layout(g);
    const graph = g.graph();
    this.natural = { width: Math.max(graph.width ?? 0, 10), height: Math.max(graph.height ?? 0, 10) };
    const svg = s('svg', { class: 'graph', viewBox: `0 0 ${this.natural.width} ${this.natural.height}`, role: 'img', 'aria-label': 'task graph' });
    svg.append(
      s('defs', undefined, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }))),
    );
    for (const edge of edges) {
      const points = g.edge(edge.from, edge.to, edge.kind)?.points ?? [];
      const d = points.map((p: { x: number; y: number }, i: number) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      const path = s('path', { d, class: `edge edge-${edge.kind}`, 'marker-end': 'url(#arrow)' });
      svg.append(path);
      const mid = points[Math.floor(points.length / 2)];
      if (mid && (edge.count > 1 || edge.kind === 'resolves')) {
        svg.append(s('text', { x: mid.x, y: mid.y - 6, class: 'edge-label', 'text-anchor': 'middle' }, edge.kind === 'resolves' ? 'resolves' : `×${edge.count}`));
      }
    }
    this.labels.clear();
    for (const node of nodes) {
      const box = g.node(node.id);
      const w = node.kind === 'task' ? NODE_W : GROUP_W;
      const hgt = node.kind === 'task' ? NODE_H : GROUP_H;
      const x = box.x - w / 2;
      const y = box.y - hgt / 2;
      const group = s('g', { class: `node node-${node.kind}`, transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`, tabindex: 0, 'data-id': node.id });
      const rect = s('rect', { width: w, height: hgt, rx: 7 });
      const title = s('text', { x: 10, y: 18, class: 'node-title' });
      const state = s('text', { x: 10, y: 33, class: 'node-state' });
      const last = s('text', { x: 10, y: 47, class: 'node-last' });
      group.append(rect, title, state, last);
      if (node.kind === 'task' && node.task) {
        const task = node.task;
        group.setAttribute('data-task', task.id);
        group.setAttribute('data-key', task.key);
        title.textContent = truncate(task.key, 24);
        group.addEventListener('click', () => this.onTask(task.id));
      } else if (node.group) {
        const key = node.group.key;
        group.setAttribute('data-group', key);
        title.textContent = `${node.group.label} ×${node.group.tasks.length}`;
        group.addEventListener('click', () => this.onGroup(key));
      }
      group.addEventListener('keydown', (event) => {
        if ((event as KeyboardEvent).key === 'Enter') group.dispatchEvent(new MouseEvent('click'));
      });
      svg.append(group);
      this.labels.set(node.id, { rect, state, last, g: group });
    }
    clear(this.svgHost);
    this.svgHost.append(svg);
    this.svg = svg;
    this.fit();
  }

  private paint(nodes: NodeSpec[], input: GraphInput): void {
    for (const node of nodes) {
      const label = this.labels.get(node.id);
      if (!label) continue;
      if (node.kind === 'task' && node.task) {
        const task = node.task;
        label.g.setAttribute('class', `node node-task state-${task.status}${task.superseded ? ' superseded' : ''}${input.selected === task.id ? ' selected' : ''}`);
        label.g.setAttribute('data-state', task.status);
        label.state.textContent = this.stateLine(task);
        label.last.textContent = truncate(describe(input.digests[task.id]?.last ?? null, task.kind) || task.title, 30);
      } else if (node.group) {
        const counts = new Map<string, number>();
        for (const t of node.group.tasks) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
        const main = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'pending';
        label.g.setAttribute('class', `node node-group state-${main}`);
        label.state.textContent = input.groupBy === 'version' ? [...counts.entries()].map(([k, n]) => `${n} ${k}`).join(', ').slice(0, 30) : 'click to open';
        label.last.textContent = node.group.tasks.length <= MAX_NODES_UNGROUPED ? 'shown task by task on click' : 'listed below on click';
      }
    }
  }

  private stateLine(task: TaskView): string {
    const time = duration(elapsed(task.startedAt, task.endedAt ?? this.input?.stoppedAt ?? null));
    const version = this.input && this.input.planVersion > 1 ? `v${task.planVersion} · ` : '';
    return `${version}${task.status.replace('_', ' ')}${time ? ` · ${time}` : ''}${task.attempts > 1 ? ` · try ${task.attempts}` : ''}`;
  }

  /** Shrinks a wide graph to the panel, but never below a readable size: past that, it scrolls. */
  private fit(): void {
    const width = this.svgHost.clientWidth || this.element.clientWidth || 800;
    this.setZoom(Math.max(MIN_FIT_ZOOM, Math.min(1, width / this.natural.width)));
  }

  private setZoom(zoom: number): void {
    this.zoom = Math.max(0.1, Math.min(3, zoom));
    if (!this.svg) return;
    this.svg.setAttribute('width', String(Math.round(this.natural.width * this.zoom)));
    this.svg.setAttribute('height', String(Math.round(this.natural.height * this.zoom)));
  }
}

function truncate(text: string, n: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > n ? `${line.slice(0, n - 1)}…` : line;
}
