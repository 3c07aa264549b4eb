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

export interface Series {
  label: string;
  points: ReadonlyArray<{ t: number; value: number }>;
}

const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 1', '10 2'];

/**
 * Lines over time (seconds), one per series, each named at its end and drawn
 * with its own dash pattern, so they tell apart without colour; the final
 * values are written out in a table under the drawing.
 */
export function lineChart(title: string, series: readonly Series[], unit: string): Element {
  const shown = series.filter((s) => s.points.length > 0);
  const width = 460;
  const height = 200;
  const left = 56;
  const right = 70;
  const top = 8;
  const bottom = 24;
  const maxT = Math.max(1, ...shown.flatMap((s) => s.points.map((p) => p.t)));
  const maxV = Math.max(1, ...shown.flatMap((s) => s.points.map((p) => p.value)));
  const x = (t: number) => left + (t / maxT) * (width - left - right);
  const y = (v: number) => top + (1 - v / maxV) * (height - top - bottom);
  const lines = shown.map((s, i) => {
    // A step line: a value holds until the next report.
    const path = s.points.map((p, j) => `${j === 0 ? `M${x(0)},${y(0)} H${x(p.t)}` : `H${x(p.t)}`} V${y(p.value)}`).join(' ');
    const last = s.points[s.points.length - 1] ?? { t: 0, value: 0 };
    return svg('g', { class: `series series-${i % DASHES.length}` }, [
      svg('path', { d: path, class: 'line', 'stroke-dasharray': DASHES[i % DASHES.length] ?? '' }),
      svg('text', { x: x(last.t) + 4, y: y(last.value) + 4, class: 'bar-label' }, [s.label]),
    ]);
  });
  const axes = [
    svg('line', { x1: left, y1: top, x2: left, y2: height - bottom, class: 'axis' }),
    svg('line', { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: 'axis' }),
    svg('text', { x: left - 4, y: top + 10, class: 'bar-value', 'text-anchor': 'end' }, [maxV.toLocaleString('en-US')]),
    svg('text', { x: left - 4, y: height - bottom, class: 'bar-value', 'text-anchor': 'end' }, ['0']),
    svg('text', { x: width - right, y: height - 6, class: 'bar-value', 'text-anchor': 'end' }, [`${(maxT / 1000).toFixed(1)} s`]),
    svg('text', { x: left, y: height - 6, class: 'bar-value' }, ['0 s']),
  ];
  return h('figure', { class: 'chart' }, [
    h('figcaption', {}, [title]),
    shown.length === 0
      ? h('p', { class: 'muted' }, ['Nothing yet.'])
      : svg('svg', { role: 'img', 'aria-label': title, width, height, viewBox: `0 0 ${width} ${height}` }, [...axes, ...lines]),
    shown.length === 0
      ? null
      : h('details', {}, [
          h('summary', {}, ['As a table']),
          h('table', {}, [
            h('thead', {}, [h('tr', {}, ['Task', `Last ${unit}`, 'At'].map((t) => h('th', { scope: 'col' }, [t])))]),
            h(
              'tbody',
              {},
              shown.map((s) => {
                const last = s.points[s.points.length - 1] ?? { t: 0, value: 0 };
                return h('tr', {}, [h('td', {}, [s.label]), h('td', { class: 'num' }, [last.value.toLocaleString('en-US')]), h('td', { class: 'num' }, [`${(last.t / 1000).toFixed(1)} s`])]);
              }),
            ),
          ]),
        ]),
  ]);
}
