/**
 * Bars for Form message answers, from the counters' `values` (answer value -> how many gave it; see
 * engine/counting.py::value_labels for the keys): choices in the form's order, sliders as a histogram of
 * at most ~20 bins, ranges "lo – hi" in order, dates by day (by month over long spans).
 */

export interface Bar {
  label: string;
  count: number;
}

export interface SliderScale {
  min?: unknown;
  max?: unknown;
  step?: unknown;
}

export const MAX_BINS = 20;
/** Up to this many days a date histogram has a bar per day; beyond it, per month. */
export const MAX_DAY_BARS = 92;
const DAY_MS = 86_400_000;

const finite = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** A number as people write it: no float noise ("0.30000000000000004" -> "0.3"). */
export function formatNumber(value: number): string {
  return String(Number.parseFloat(value.toPrecision(12)));
}

/** A choice widget's bars: every choice in the form's order, then values no choice has (an older version's). */
export function choiceBars(values: Record<string, number>, choices: unknown): Bar[] {
  const list = Array.isArray(choices) ? choices : [];
  const known = new Set<string>();
  const bars: Bar[] = [];
  for (const choice of list) {
    if (choice && typeof choice === "object" && "value" in choice) {
      const value = String((choice as { value: unknown }).value);
      const label = (choice as { label?: unknown }).label;
      known.add(value);
      bars.push({ label: typeof label === "string" && label ? label : value, count: values[value] ?? 0 });
    }
  }
  const others = Object.entries(values)
    .filter(([value]) => !known.has(value))
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return [...bars, ...others.map(([label, count]) => ({ label, count }))];
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceWidth(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 5, 10].find((m) => m * power >= raw * (1 - 1e-9)) ?? 10;
  return nice * power;
}

/**
 * A slider's histogram. With the widget's scale and few grid values (min + k × step), one bar per grid
 * value, zeros included; otherwise at most `maxBins` bins of a round width ("0 – 5", "5 – 10", …; the
 * last holds its upper bound). Keys that are not numbers are left out.
 */
export function sliderHistogram(values: Record<string, number>, scale: SliderScale = {}, maxBins = MAX_BINS): Bar[] {
  const points = Object.entries(values)
    .map(([key, count]) => [Number(key), count] as const)
    .filter(([value, count]) => Number.isFinite(value) && count > 0);
  const data = points.map(([value]) => value);
  const bounds = [...data, ...[scale.min, scale.max].filter(finite)];
  if (bounds.length === 0) {
    return [];
  }
  const lo = Math.min(...bounds);
  const hi = Math.max(...bounds);
  const step = finite(scale.step) && scale.step > 0 ? scale.step : null;
  if (step !== null && Math.round((hi - lo) / step) + 1 <= maxBins) {
    const bars = Array.from({ length: Math.round((hi - lo) / step) + 1 }, (_, k) => ({
      label: formatNumber(lo + k * step),
      count: 0,
    }));
    for (const [value, count] of points) {
      bars[Math.round((value - lo) / step)]!.count += count;
    }
    return bars;
  }
  if (hi === lo) {
    return [{ label: formatNumber(lo), count: points.reduce((sum, [, count]) => sum + count, 0) }];
  }
  const width = niceWidth((hi - lo) / Math.max(1, maxBins - 1));
  const start = Math.floor(lo / width) * width;
  const binCount = Math.max(1, Math.min(maxBins, Math.ceil((hi - start) / width - 1e-9)));
  const bars = Array.from({ length: binCount }, (_, i) => ({
    label: `${formatNumber(start + i * width)} – ${formatNumber(start + (i + 1) * width)}`,
    count: 0,
  }));
  for (const [value, count] of points) {
    const index = Math.min(binCount - 1, Math.max(0, Math.floor((value - start) / width + 1e-9)));
    bars[index]!.count += count;
  }
  return bars;
}

/** A range slider's bars: "lo – hi" keys ordered by low, then high; unreadable keys last. */
export function rangeBars(values: Record<string, number>): Bar[] {
  const read = (key: string) => key.split("–").map((part) => Number(part.trim()));
  return Object.entries(values)
    .map(([label, count]) => ({ label, count, bounds: read(label) }))
    .sort((a, b) => {
      const [a0 = Number.NaN, a1 = Number.NaN] = a.bounds;
      const [b0 = Number.NaN, b1 = Number.NaN] = b.bounds;
      const aOk = Number.isFinite(a0) && Number.isFinite(a1);
      const bOk = Number.isFinite(b0) && Number.isFinite(b1);
      if (aOk !== bOk) {
        return aOk ? -1 : 1;
      }
      return aOk ? a0 - b0 || a1 - b1 : a.label.localeCompare(b.label);
    })
    .map(({ label, count }) => ({ label, count }));
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function dayMs(key: string): number | null {
  const match = DAY.exec(key);
  if (!match) {
    return null;
  }
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === key ? ms : null;
}

/**
 * A date widget's histogram from "YYYY-MM-DD" keys: one bar per day from the first to the last answered
 * day (zeros included) over at most MAX_DAY_BARS days, else one bar per month ("YYYY-MM").
 */
export function dateHistogram(values: Record<string, number>): Bar[] {
  const days = Object.entries(values)
    .map(([key, count]) => [dayMs(key), count] as const)
    .filter((entry): entry is readonly [number, number] => entry[0] !== null);
  if (days.length === 0) {
    return [];
  }
  const first = Math.min(...days.map(([ms]) => ms));
  const last = Math.max(...days.map(([ms]) => ms));
  const byDay = (last - first) / DAY_MS + 1 <= MAX_DAY_BARS;
  const keyOf = (ms: number) => new Date(ms).toISOString().slice(0, byDay ? 10 : 7);
  const bars = new Map<string, number>();
  if (byDay) {
    for (let ms = first; ms <= last; ms += DAY_MS) {
      bars.set(keyOf(ms), 0);
    }
  } else {
    const end = new Date(last);
    for (const at = new Date(first); at <= end; at.setUTCMonth(at.getUTCMonth() + 1, 1)) {
      bars.set(keyOf(at.getTime()), 0);
    }
  }
  for (const [ms, count] of days) {
    bars.set(keyOf(ms), (bars.get(keyOf(ms)) ?? 0) + count);
  }
  return [...bars].map(([label, count]) => ({ label, count }));
}
