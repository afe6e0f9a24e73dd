/** The live chart (uPlot): checkouts answered per second on the left axis, p50/p95/p99 per second on the right. */
import uPlot from 'uplot';
import type { RunRecord } from './api';
import { $, el } from './dom';

type Point = RunRecord['points'][number];

let plot: uPlot | undefined;
let data: [number[], Array<number | null>, Array<number | null>, Array<number | null>, Array<number | null>] = [[], [], [], [], []];

function width(): number {
  return Math.max(260, $('chart').clientWidth);
}

function create(): uPlot {
  const options: uPlot.Options = {
    width: width(),
    height: 240,
    scales: { x: { time: false }, n: { auto: true }, ms: { auto: true } },
    axes: [
      { label: 's', size: 36 },
      { scale: 'n', label: 'checkouts/s', size: 52 },
      { scale: 'ms', label: 'ms', side: 1, size: 56, grid: { show: false } },
    ],
    series: [
      { label: 's' },
      { label: 'checkouts/s', scale: 'n', stroke: '#1f5fbf', width: 2, points: { show: true, size: 4 } },
      { label: 'p50', scale: 'ms', stroke: '#2e8b57', width: 1.5, points: { show: true, size: 3 } },
      { label: 'p95', scale: 'ms', stroke: '#d48a00', width: 1.5, points: { show: true, size: 3 } },
      { label: 'p99', scale: 'ms', stroke: '#b3261e', width: 1.5, points: { show: true, size: 3 } },
    ],
    legend: { live: false },
  };
  return new uPlot(options, data, $('chart'));
}

function row(point: Point): HTMLTableRowElement {
  const cell = (value: number | null) => el('td', {}, [value === null ? '–' : String(value)]);
  return el('tr', {}, [cell(point.t), cell(point.checkoutsPerSec), cell(point.p50), cell(point.p95), cell(point.p99), cell(point.errors)]);
}

export function resetChart(): void {
  data = [[], [], [], [], []];
  $('points').replaceChildren();
  $('chart-figure').dataset.points = '0';
  plot?.setData(data);
}

export function addPoints(points: readonly Point[]): void {
  if (points.length === 0) return;
  for (const point of points) {
    data[0].push(point.t);
    data[1].push(point.checkoutsPerSec);
    data[2].push(point.p50);
    data[3].push(point.p95);
    data[4].push(point.p99);
  }
  $('points').append(...points.map(row));
  $('chart-figure').dataset.points = String(data[0].length);
  plot ??= create();
  plot.setData(data);
}

export function setUpChart(): void {
  plot = create();
  window.addEventListener('resize', () => plot?.setSize({ width: width(), height: 240 }));
}
