import { h, svg, token } from './dom.js';
import { statusIcon } from './format.js';

export interface GraphTask {
  id: string;
  type: string;
  status: string;
  dependencies: readonly string[];
  description: string;
}

const W = 176;
const H = 48;
const GAP_X = 56;
const GAP_Y = 18;

/** Column = longest path from a task with no dependencies; a cycle or an unknown dependency counts as none. */
function depths(tasks: readonly GraphTask[]): Map<string, number> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const memo = new Map<string, number>();
  const visit = (id: string, path: Set<string>): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const task = byId.get(id);
    if (!task || path.has(id)) return -1;
    path.add(id);
    const depth = 1 + Math.max(-1, ...task.dependencies.map((d) => visit(d, path)));
    path.delete(id);
    memo.set(id, depth);
    return depth;
  };
  for (const t of tasks) visit(t.id, new Set());
  return memo;
}

/**
 * The task DAG, left to right by dependency depth. An SVG for the eye; the
 * task table below it is the same information for keyboards and screen
 * readers, so the drawing is one labelled image.
 */
export function taskGraph(tasks: readonly GraphTask[]): Element {
  if (tasks.length === 0) return h('p', { class: 'muted' }, ['No tasks yet: the job is being planned.']);
  const depth = depths(tasks);
  const columns = new Map<number, GraphTask[]>();
  for (const t of tasks) {
    const d = depth.get(t.id) ?? 0;
    columns.set(d, [...(columns.get(d) ?? []), t]);
  }
  const pos = new Map<string, { x: number; y: number }>();
  let rows = 0;
  for (const [d, column] of columns) {
    column.forEach((t, i) => pos.set(t.id, { x: 8 + d * (W + GAP_X), y: 8 + i * (H + GAP_Y) }));
    rows = Math.max(rows, column.length);
  }
  const width = 16 + columns.size * (W + GAP_X) - GAP_X;
  const height = 16 + rows * (H + GAP_Y) - GAP_Y;
  const edges = tasks.flatMap((t) =>
    t.dependencies.flatMap((dep) => {
      const from = pos.get(dep);
      const to = pos.get(t.id);
      if (!from || !to) return [];
      const x1 = from.x + W;
      const y1 = from.y + H / 2;
      const x2 = to.x;
      const y2 = to.y + H / 2;
      const mid = (x1 + x2) / 2;
      return [svg('path', { class: 'edge', d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 4},${y2}`, 'marker-end': 'url(#arrow)' })];
    }),
  );
  const nodes = tasks.map((t) => {
    const p = pos.get(t.id) ?? { x: 0, y: 0 };
    return svg('g', { class: `node status-${token(t.status)}`, 'data-task': t.id, 'data-status': t.status, transform: `translate(${p.x},${p.y})` }, [
      svg('title', {}, [`${t.id} (${t.type}, ${t.status}): ${t.description}`]),
      svg('rect', { width: W, height: H, rx: 6 }),
      svg('text', { x: 10, y: 19, class: 'node-id' }, [`${statusIcon(t.status)} ${t.id} · ${t.type}`]),
      svg('text', { x: 10, y: 38, class: 'node-status' }, [t.status.replace(/_/g, ' ')]),
    ]);
  });
  const done = tasks.filter((t) => t.status === 'completed').length;
  const defs = svg('defs', {}, [
    svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: 4, refY: 4, markerWidth: 8, markerHeight: 8, orient: 'auto' }, [svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow' })]),
  ]);
  return h('div', { class: 'graph-scroll' }, [
    svg('svg', { class: 'graph', role: 'img', 'aria-label': `Task graph: ${tasks.length} tasks, ${done} completed`, width, height, viewBox: `0 0 ${width} ${height}` }, [
      defs,
      ...edges,
      ...nodes,
    ]),
  ]);
}
