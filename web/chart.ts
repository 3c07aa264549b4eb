import { h, svg } from './dom.js';

export interface Bar {
  label: string;
  value: number;
  /** A second value stacked after the first (machinery time after model time, failed after passed). */
  rest?: number;
}

/** A horizontal bar chart with its numbers written out, so it reads without colour or a mouse. */
export function barChart(title: string, bars: readonly Bar[], unit: string, legend?: [string, string]): Element {
  const max = Math.max(1, ...bars.map((b) => b.value + (b.rest ?? 0)));
  const rowH = 22;
  const labelW = 150;
  const barW = 300;
  const height = bars.length * rowH + 4;
  const rows = bars.map((b, i) => {
    const y = 2 + i * rowH;
    const w1 = (b.value / max) * barW;
    const w2 = ((b.rest ?? 0) / max) * barW;
    const text = b.rest === undefined ? `${b.value.toLocaleString('en-US')} ${unit}` : `${b.value.toLocaleString('en-US')} + ${b.rest.toLocaleString('en-US')} ${unit}`;
    return svg('g', {}, [
      svg('text', { x: 0, y: y + 15, class: 'bar-label' }, [b.label]),
      svg('rect', { x: labelW, y: y + 3, width: Math.max(w1, 0.5), height: rowH - 8, class: 'bar' }),
      svg('rect', { x: labelW + w1, y: y + 3, width: w2, height: rowH - 8, class: 'bar bar-rest' }),
      svg('text', { x: labelW + w1 + w2 + 6, y: y + 15, class: 'bar-value' }, [text]),
    ]);
  });
  return h('figure', { class: 'chart' }, [
    h('figcaption', {}, [title, legend ? ` (${legend[0]}, then ${legend[1]})` : '']),
    bars.length === 0
      ? h('p', { class: 'muted' }, ['Nothing yet.'])
      : svg('svg', { role: 'img', 'aria-label': title, width: labelW + barW + 160, height, viewBox: `0 0 ${labelW + barW + 160} ${height}` }, rows),
  ]);
}
