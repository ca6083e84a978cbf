// A hand-drawn SVG bar chart: per UTC day, events loaded with those quarantined stacked on top.
// Hover or focus a day (Tab, then ←/→) to read its exact counts.
import { useId, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import type { VolumeDay } from "./types";

// About the side column's width at 1280 px, so 11 px text stays 11 px on screen.
const WIDTH = 340;
const HEIGHT = 196;
const MARGIN = { top: 10, right: 4, bottom: 44, left: 38 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

const count = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
const dayOfMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", timeZone: "UTC" });
const monthName = new Intl.DateTimeFormat(undefined, { month: "short", timeZone: "UTC" });
const longDay = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});

const asDate = (day: string) => new Date(`${day}T00:00:00Z`);
export const formatDay = (day: string) => longDay.format(asDate(day));
export const formatCount = (n: number) => count.format(n);

/** 0 and evenly spaced round ticks covering `max` (1, 2, 2.5 or 5 times a power of ten). */
export function niceTicks(max: number, wanted = 4): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / wanted;
  const power = 10 ** Math.floor(Math.log10(rough));
  // Counts are whole numbers, so are the steps.
  const step =
    [1, 2, 2.5, 5, 10]
      .map((m) => m * power)
      .find((s) => s >= rough && Number.isInteger(s)) ?? Math.ceil(rough);
  const ticks: number[] = [];
  for (let t = 0; t < max + step; t += step) ticks.push(t);
  return ticks;
}

export function describeDay(d: VolumeDay): string {
  const parts = [`${formatCount(d.loaded)} loaded`, `${formatCount(d.quarantined)} quarantined`];
  if (d.reasons.length) {
    parts.push(`reasons: ${d.reasons.map((r) => `${r.rule} ${formatCount(r.count)}`).join(", ")}`);
  }
  return `${formatDay(d.day)}: ${parts.join(", ")}`;
}

export function VolumeChart({ series, title }: { series: VolumeDay[]; title: string }) {
  const id = useId();
  const [active, setActive] = useState<number | null>(null);
  const [focusIndex, setFocusIndex] = useState(series.length - 1);
  const columns = useRef<(SVGGElement | null)[]>([]);

  const ticks = niceTicks(Math.max(...series.map((d) => d.loaded + d.quarantined)));
  const top = ticks[ticks.length - 1] ?? 1;
  const y = (n: number) => MARGIN.top + PLOT_H - (n / top) * PLOT_H;
  const slot = PLOT_W / series.length;
  const bar = Math.max(3, Math.min(26, slot * 0.62));
  const labelEvery = series.length > 21 ? 3 : series.length > 14 ? 2 : 1;
  const totalLoaded = series.reduce((s, d) => s + d.loaded, 0);
  const totalQuarantined = series.reduce((s, d) => s + d.quarantined, 0);
  const first = series[0]?.day ?? "";
  const last = series[series.length - 1]?.day ?? "";

  const move = (event: KeyboardEvent<SVGGElement>, index: number) => {
    const next =
      event.key === "ArrowRight"
        ? Math.min(series.length - 1, index + 1)
        : event.key === "ArrowLeft"
          ? Math.max(0, index - 1)
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? series.length - 1
              : null;
    if (next === null) return;
    event.preventDefault();
    setFocusIndex(next);
    columns.current[next]?.focus();
  };

  const shown = active === null ? null : series[active];
  const tipLeft = active === null ? 0 : ((MARGIN.left + slot * (active + 0.5)) / WIDTH) * 100;
  const tipTop = shown ? ((y(shown.loaded + shown.quarantined) - 6) / HEIGHT) * 100 : 0;
  // Above a short bar; beside a tall one, so the tip stays inside the chart.
  const tipStyle =
    tipTop > 40
      ? { left: `clamp(80px, ${tipLeft}%, calc(100% - 80px))`, top: `${tipTop}%` }
      : {
          left: `${tipLeft}%`,
          top: `${(MARGIN.top / HEIGHT) * 100}%`,
          transform:
            tipLeft > 50
              ? `translateX(calc(-100% - ${bar / 2 + 8}px))`
              : `translateX(${bar / 2 + 8}px)`,
        };

  return (
    <div className="volume-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="group"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-desc`}
        data-testid="volume-chart"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>
          {`Bars per UTC day from ${formatDay(first)} to ${formatDay(last)}: events loaded, with ` +
            `quarantined events stacked on top. In total ${formatCount(totalLoaded)} loaded and ` +
            `${formatCount(totalQuarantined)} quarantined. Focus a day to hear its counts.`}
        </desc>

        <g className="volume-grid" aria-hidden="true">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(t)} y2={y(t)} />
              <text x={MARGIN.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
                {t >= 10_000 ? compact.format(t) : formatCount(t)}
              </text>
            </g>
          ))}
          <text
            className="volume-axis-title"
            transform={`translate(9 ${MARGIN.top + PLOT_H / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            events per day
          </text>
        </g>

        {series.map((d, i) => {
          const x = MARGIN.left + slot * i;
          const cx = x + slot / 2;
          const before = series[i - 1];
          const month = !before || before.day.slice(0, 7) !== d.day.slice(0, 7);
          const labelled = (series.length - 1 - i) % labelEvery === 0;
          return (
            <g
              key={d.day}
              ref={(el) => {
                columns.current[i] = el;
              }}
              className={`volume-day${active === i ? " is-active" : ""}`}
              role="img"
              aria-label={describeDay(d)}
              tabIndex={i === focusIndex ? 0 : -1}
              data-day={d.day}
              data-loaded={d.loaded}
              data-quarantined={d.quarantined}
              onMouseEnter={() => setActive(i)}
              onMouseLeave={() => setActive(null)}
              onFocus={() => {
                setActive(i);
                setFocusIndex(i);
              }}
              onBlur={() => setActive(null)}
              onKeyDown={(event) => move(event, i)}
            >
              <rect className="volume-hit" x={x} y={MARGIN.top} width={slot} height={PLOT_H} />
              {d.loaded > 0 ? (
                <rect
                  className="volume-loaded"
                  x={cx - bar / 2}
                  y={y(d.loaded)}
                  width={bar}
                  height={Math.max(1, y(0) - y(d.loaded))}
                />
              ) : null}
              {d.quarantined > 0 ? (
                <rect
                  className="volume-quarantined"
                  x={cx - bar / 2}
                  y={y(d.loaded + d.quarantined)}
                  width={bar}
                  height={Math.max(1.5, y(d.loaded) - y(d.loaded + d.quarantined))}
                />
              ) : null}
              {labelled ? (
                <text className="volume-tick" x={cx} y={MARGIN.top + PLOT_H + 15} textAnchor="middle">
                  {dayOfMonth.format(asDate(d.day))}
                </text>
              ) : null}
              {month && labelled ? (
                <text className="volume-month" x={cx} y={MARGIN.top + PLOT_H + 28} textAnchor="middle">
                  {monthName.format(asDate(d.day))}
                </text>
              ) : null}
            </g>
          );
        })}

        <line
          className="volume-baseline"
          x1={MARGIN.left}
          x2={WIDTH - MARGIN.right}
          y1={y(0)}
          y2={y(0)}
          aria-hidden="true"
        />
        <text
          className="volume-axis-title"
          x={MARGIN.left + PLOT_W / 2}
          y={HEIGHT - 4}
          textAnchor="middle"
          aria-hidden="true"
        >
          day (UTC)
        </text>
      </svg>

      {shown ? (
        <div
          className="volume-tooltip"
          style={tipStyle}
          data-testid="volume-tooltip"
          aria-hidden="true"
        >
          <p className="volume-tooltip-day">{formatDay(shown.day)}</p>
          <p>
            <span className="swatch swatch-loaded" /> {formatCount(shown.loaded)} loaded
          </p>
          <p>
            <span className="swatch swatch-quarantined" /> {formatCount(shown.quarantined)}{" "}
            quarantined
          </p>
          {shown.reasons.length ? (
            <p className="volume-tooltip-muted">
              {shown.reasons.map((r) => `${r.rule} ${formatCount(r.count)}`).join(" · ")}
            </p>
          ) : null}
          {shown.natural_duplicates + shown.synthetic_duplicates > 0 ? (
            <p className="volume-tooltip-muted">
              {formatCount(shown.natural_duplicates + shown.synthetic_duplicates)} duplicates removed
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
