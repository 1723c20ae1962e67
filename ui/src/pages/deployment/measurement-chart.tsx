/**
 * One analysis metric over time: a small hand-drawn SVG line with a mark per measurement whose
 * shape says its verdict (● successful, ✕ failed, ◆ inconclusive, ▲ error), and the same values
 * as a table for screen readers.
 */
import type { MeasurementDto } from '../../../../src/client/api-client.js';

const WIDTH = 280;
const HEIGHT = 80;
const PAD = 8;
/** Room for the scale's labels, left of the plot. */
const LEFT = 44;

type Phase = MeasurementDto['phase'];
const PHASE_WORDS: Record<Phase, string> = { successful: 'passed', failed: 'failed', inconclusive: 'inconclusive', error: 'error' };
const PHASE_SYMBOLS: Record<Phase, string> = { successful: '●', failed: '✕', inconclusive: '◆', error: '▲' };

/** A value the chart can place: a number, or a one-number list (a single-sample query). */
export function plottedValue(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value) && value.length === 1) return plottedValue(value[0]);
  return null;
}

/** As recorded: `0.031`, `[0.1,0.2]`, `NaN`, or `—` when the measurement had an error. */
export function shownValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return String(Math.round(value * 10_000) / 10_000);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function Mark({ x, y, phase }: { x: number; y: number; phase: Phase }) {
  const className = `measurement-mark measurement-${phase}`;
  switch (phase) {
    case 'successful':
      return <circle className={className} cx={x} cy={y} r={3} />;
    case 'failed':
      return <path className={className} d={`M${x - 4} ${y - 4}L${x + 4} ${y + 4}M${x - 4} ${y + 4}L${x + 4} ${y - 4}`} />;
    case 'inconclusive':
      return <path className={className} d={`M${x} ${y - 4}L${x + 4} ${y}L${x} ${y + 4}L${x - 4} ${y}Z`} />;
    case 'error':
      return <path className={className} d={`M${x} ${y - 4}L${x + 4} ${y + 3}L${x - 4} ${y + 3}Z`} />;
  }
}

export function MeasurementChart({ template, metric, measurements }: { template: string; metric: string; measurements: readonly MeasurementDto[] }) {
  const values = measurements.map((measurement) => plottedValue(measurement.value));
  const numbers = values.filter((value): value is number => value !== null);
  const low = numbers.length > 0 ? Math.min(...numbers) : 0;
  const high = numbers.length > 0 ? Math.max(...numbers) : 1;
  const span = high - low || Math.abs(high) || 1;
  const x = (index: number) => (measurements.length <= 1 ? (LEFT + WIDTH) / 2 : LEFT + (index * (WIDTH - LEFT - PAD)) / (measurements.length - 1));
  // A flat series sits in the middle; unplottable values (errors, lists) at the bottom edge.
  const y = (value: number | null) => (value === null ? HEIGHT - PAD : high === low ? HEIGHT / 2 : HEIGHT - PAD - ((value - low) / span) * (HEIGHT - 2 * PAD));
  const line = values
    .map((value, index) => (value === null ? null : `${x(index).toFixed(1)},${y(value).toFixed(1)}`))
    .filter((point): point is string => point !== null)
    .join(' ');
  const counts = new Map<Phase, number>();
  for (const measurement of measurements) counts.set(measurement.phase, (counts.get(measurement.phase) ?? 0) + 1);
  const last = measurements.at(-1);
  const caption = `${template} · ${metric}`;
  return (
    <figure className="measurement">
      <figcaption>
        <strong>{metric}</strong> <span className="muted small">{template}</span>
      </figcaption>
      <svg className="measurement-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} aria-hidden="true" focusable="false">
        <line className="measurement-axis" x1={LEFT - 6} x2={WIDTH} y1={HEIGHT - 1} y2={HEIGHT - 1} />
        {numbers.length > 0 && high === low && (
          <text className="measurement-scale" x={LEFT - 10} y={HEIGHT / 2 + 3} textAnchor="end">
            {shownValue(high)}
          </text>
        )}
        {numbers.length > 0 && high !== low && (
          <>
            <text className="measurement-scale" x={LEFT - 10} y={PAD + 3} textAnchor="end">
              {shownValue(high)}
            </text>
            <text className="measurement-scale" x={LEFT - 10} y={HEIGHT - PAD + 3} textAnchor="end">
              {shownValue(low)}
            </text>
          </>
        )}
        {numbers.length > 1 && <polyline className="measurement-line" points={line} />}
        {measurements.map((measurement, index) => (
          <Mark key={measurement.seq} x={x(index)} y={y(values[index] ?? null)} phase={measurement.phase} />
        ))}
      </svg>
      <p className="small measurement-summary" aria-hidden="true">
        {[...counts].map(([phase, count]) => `${PHASE_SYMBOLS[phase]} ${count} ${PHASE_WORDS[phase]}`).join(' · ')}
        {last && ` · last ${shownValue(last.value)}`}
      </p>
      <table className="visually-hidden">
        <caption>Measurements of {caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Value</th>
            <th scope="col">Verdict</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {measurements.map((measurement) => (
            <tr key={measurement.seq}>
              <td>{new Date(measurement.at).toLocaleTimeString()}</td>
              <td>{shownValue(measurement.value)}</td>
              <td>{PHASE_WORDS[measurement.phase]}</td>
              <td>{measurement.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
