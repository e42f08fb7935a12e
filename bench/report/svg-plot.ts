/**
 * Self-contained SVG line charts for bench reports (no dependencies, no scripts, no external
 * fonts), so a report can embed them as files and GitHub renders them as images.
 */
export type Point = readonly [x: number, y: number];

export interface PlotSeries {
  name: string;
  points: readonly Point[];
}

export interface ReferenceLine {
  y: number;
  label: string;
}

export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Decades on the y axis; points with y ≤ 0 are left out (they have no place on a log scale). */
  logY?: boolean;
  series: readonly PlotSeries[];
  /** Dashed horizontal lines, e.g. a latency target. */
  referenceLines?: readonly ReferenceLine[];
  /** Labels of x ticks (default: the number, 10k / 1.5M style). */
  xTickFormat?: (x: number) => string;
  width?: number;
  height?: number;
}

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies; yellow last (low contrast on white). */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
/** After the colours run out, series differ by dash pattern too. */
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];
const MARGIN = { top: 44, right: 190, bottom: 56, left: 76 };

export function linePlotSvg(options: LinePlotOptions): string {
  const width = options.width ?? 800;
  const height = options.height ?? 460;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const logY = options.logY ?? false;
  const usable = (p: Point): boolean => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!logY || p[1] > 0);
  const series = options.series.map((s) => ({
    name: s.name,
    points: [...s.points].filter(usable).sort((a, b) => a[0] - b[0]),
  }));
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [
    ...series.flatMap((s) => s.points.map((p) => p[1])),
    ...(options.referenceLines ?? []).map((r) => r.y).filter((y) => Number.isFinite(y) && (!logY || y > 0)),
  ];
  const xAxis = linearAxis(xs, options.xTickFormat);
  const yAxis = logY ? logAxis(ys) : linearAxis(ys);
  const toX = (x: number): number => MARGIN.left + ((x - xAxis.min) / (xAxis.max - xAxis.min)) * plotW;
  const toY = (y: number): number => {
    const [v, lo, hi] = logY
      ? [Math.log10(y), Math.log10(yAxis.min), Math.log10(yAxis.max)]
      : [y, yAxis.min, yAxis.max];
    return MARGIN.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  };

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  );
  // Grid and ticks first, so data lines are drawn over them.
  for (const tick of xAxis.ticks) {
    const x = fmt(toX(tick.value));
    out.push(
      `<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotH}" stroke="#e5e5e5"/>`,
      `<text x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${escapeXml(tick.label)}</text>`,
    );
  }
  for (const tick of yAxis.ticks) {
    const y = fmt(toY(tick.value));
    out.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="${tick.label ? '#e5e5e5' : '#f3f3f3'}"/>`,
    );
    if (tick.label)
      out.push(
        `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(tick.label)}</text>`,
      );
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}${logY ? ' (log scale)' : ''}</text>`,
  );
  for (const ref of options.referenceLines ?? []) {
    if (!Number.isFinite(ref.y) || (logY && ref.y <= 0)) continue;
    const y = fmt(toY(ref.y));
    out.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#c00" stroke-dasharray="5 4"/>`,
      `<text x="${MARGIN.left + plotW - 4}" y="${fmt(toY(ref.y) - 5)}" text-anchor="end" fill="#c00">${escapeXml(ref.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length] as string;
    const dash = DASHES[Math.floor(i / COLOURS.length) % DASHES.length] as string;
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
    if (s.points.length > 1) {
      const path = s.points.map((p) => `${fmt(toX(p[0]))},${fmt(toY(p[1]))}`).join(' ');
      out.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"${dashAttr}/>`);
    }
    for (const p of s.points) {
      out.push(`<circle cx="${fmt(toX(p[0]))}" cy="${fmt(toY(p[1]))}" r="3" fill="${colour}"/>`);
    }
    const ly = MARGIN.top + 8 + i * 20;
    const lx = MARGIN.left + plotW + 14;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${colour}" stroke-width="2"${dashAttr}/>`,
      `<circle cx="${lx + 12}" cy="${ly}" r="3" fill="${colour}"/>`,
      `<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface PercentileRow {
  offeredRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** "Latency percentile vs offered rate": one line per percentile, log y by default. */
export function percentilePlotSvg(options: {
  title: string;
  rows: readonly PercentileRow[];
  xLabel?: string;
  yLabel?: string;
  logY?: boolean;
  /** Drawn as a dashed reference line, e.g. the p99 target of a sweep. */
  targetMs?: number;
}): string {
  const pick = (name: string, value: (row: PercentileRow) => number): PlotSeries => ({
    name,
    points: options.rows.map((row) => [row.offeredRate, value(row)] as const),
  });
  return linePlotSvg({
    title: options.title,
    xLabel: options.xLabel ?? 'offered rate (orders/s)',
    yLabel: options.yLabel ?? 'latency (ms)',
    logY: options.logY ?? true,
    series: [
      pick('p50', (r) => r.p50Ms),
      pick('p90', (r) => r.p90Ms),
      pick('p99', (r) => r.p99Ms),
      pick('p99.9', (r) => r.p999Ms),
      pick('max', (r) => r.maxMs),
    ],
    referenceLines:
      options.targetMs === undefined ? [] : [{ y: options.targetMs, label: `target ${options.targetMs} ms` }],
  });
}

/**
 * Latency by percentile, the tail spread out: x is the number of nines (1 = p90, 2 = p99,
 * 3 = p99.9), so each step to the right is ten times rarer. p100 (the max) has no place there.
 */
export function percentileDistributionSvg(options: {
  title: string;
  series: readonly { name: string; distribution: readonly { percentile: number; ms: number }[] }[];
  logY?: boolean;
}): string {
  const nines = (p: number): number => -Math.log10(1 - p / 100);
  return linePlotSvg({
    title: options.title,
    xLabel: 'percentile',
    yLabel: 'latency (ms)',
    logY: options.logY ?? true,
    series: options.series.map((s) => ({
      name: s.name,
      points: s.distribution
        .filter((d) => d.percentile < 100)
        .map((d) => [nines(d.percentile), d.ms] as const),
    })),
    xTickFormat: (x) => (x === 0 ? 'p0' : `p${trim(100 - 100 * 10 ** -x)}`),
  });
}

interface Tick {
  value: number;
  /** Empty for unlabelled minor ticks (grid only). */
  label: string;
}

interface Axis {
  min: number;
  max: number;
  ticks: Tick[];
}

/** Round steps (1, 2, 5 × 10^k) giving about five ticks; the axis starts at 0 for non-negative data. */
function linearAxis(values: readonly number[], format: (x: number) => string = formatNumber): Axis {
  let lo = values.length > 0 ? Math.min(0, ...values) : 0;
  let hi = values.length > 0 ? Math.max(...values) : 1;
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const ticks: Tick[] = [];
  // Counting steps (not adding floats) keeps tick values exact multiples of the step.
  for (let i = 0; lo + i * step <= hi + step / 1e6; i++) {
    const value = lo + i * step;
    ticks.push({ value, label: format(value) });
  }
  return { min: lo, max: hi, ticks };
}

/** Whole decades; 2 and 5 labelled when the range spans few decades, grid-only otherwise. */
function logAxis(values: readonly number[]): Axis {
  const positive = values.filter((v) => v > 0);
  const lo = positive.length > 0 ? Math.floor(Math.log10(Math.min(...positive))) : 0;
  let hi = positive.length > 0 ? Math.ceil(Math.log10(Math.max(...positive))) : 1;
  if (hi <= lo) hi = lo + 1;
  const labelMinors = hi - lo <= 3;
  const ticks: Tick[] = [];
  for (let d = lo; d <= hi; d++) {
    const decade = 10 ** d;
    ticks.push({ value: decade, label: formatNumber(decade) });
    if (d === hi) break;
    for (const m of [2, 3, 4, 5, 6, 7, 8, 9]) {
      const labelled = labelMinors && (m === 2 || m === 5);
      ticks.push({ value: m * decade, label: labelled ? formatNumber(m * decade) : '' });
    }
  }
  return { min: 10 ** lo, max: 10 ** hi, ticks };
}

function formatNumber(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return String(Number(value.toPrecision(4)));
}

function fmt(n: number): string {
  return n.toFixed(1);
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
