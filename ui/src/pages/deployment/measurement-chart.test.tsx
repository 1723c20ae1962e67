// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { MeasurementDto } from '../../../../src/client/api-client.js';
import { MeasurementChart, plottedValue } from './measurement-chart.js';

afterEach(cleanup);

function measurement(seq: number, value: unknown, phase: MeasurementDto['phase']): MeasurementDto {
  return { seq, gate: 0, template: 'error-rate', metric: 'errors', phase, value, message: `result ${String(value)}`, at: `2026-11-27T10:00:${String(seq).padStart(2, '0')}Z` };
}

describe('MeasurementChart', () => {
  it('marks each measurement by its verdict and lists them as a table', () => {
    const measurements = [measurement(1, 0.01, 'successful'), measurement(2, 0.02, 'successful'), measurement(3, 0.4, 'failed'), measurement(4, null, 'error')];
    render(<MeasurementChart template="error-rate" metric="errors" measurements={measurements} />);
    const svg = document.querySelector('svg')!;
    expect(svg.getAttribute('aria-hidden')).toBe('true');
    expect(svg.querySelectorAll('.measurement-successful')).toHaveLength(2);
    expect(svg.querySelectorAll('.measurement-failed')).toHaveLength(1);
    expect(svg.querySelectorAll('.measurement-error')).toHaveLength(1);
    // The line joins the three numbers; the error has no value to place on it.
    expect(svg.querySelector('polyline')!.getAttribute('points')!.split(' ')).toHaveLength(3);
    const table = screen.getByRole('table', { name: 'Measurements of error-rate · errors' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell').slice(1, 3).map((cell) => cell.textContent))).toEqual([
      ['0.01', 'passed'],
      ['0.02', 'passed'],
      ['0.4', 'failed'],
      ['—', 'error'],
    ]);
  });

  it('plots numbers and single-sample lists only', () => {
    expect(plottedValue(0.5)).toBe(0.5);
    expect(plottedValue([3])).toBe(3);
    expect(plottedValue([1, 2])).toBeNull();
    expect(plottedValue('NaN')).toBeNull();
    expect(plottedValue(null)).toBeNull();
  });
});
