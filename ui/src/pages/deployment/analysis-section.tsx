import type { MeasurementDto } from '../../../../src/client/api-client.js';
import { MeasurementChart } from './measurement-chart.js';

/** The canary's analysis: one chart per template and metric, measurements in the order taken. */
export function AnalysisSection({ measurements }: { measurements: readonly MeasurementDto[] }) {
  const series = new Map<string, { template: string; metric: string; measurements: MeasurementDto[] }>();
  for (const measurement of measurements) {
    const key = `${measurement.template}\u0000${measurement.metric}`;
    const found = series.get(key) ?? { template: measurement.template, metric: measurement.metric, measurements: [] };
    found.measurements.push(measurement);
    series.set(key, found);
  }
  if (series.size === 0) return <p className="muted">No measurement yet: the analysis measures after the batch its gate follows.</p>;
  return (
    <div className="measurements">
      {[...series.values()].map((entry) => (
        <MeasurementChart key={`${entry.template}/${entry.metric}`} template={entry.template} metric={entry.metric} measurements={entry.measurements} />
      ))}
    </div>
  );
}
