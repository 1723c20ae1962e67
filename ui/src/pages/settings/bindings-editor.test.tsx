// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { RoleBindingRequest } from '../../../../src/client/api-client.js';
import { newBindingRow, readBindings, type BindingRow } from './binding-rows.js';
import { BindingsEditor } from './bindings-editor.js';

afterEach(cleanup);

/** The editor in a form, as the settings forms use it: Save reads the rows into the request's bindings. */
function Harness({ onSave }: { onSave: (bindings: RoleBindingRequest[]) => void }) {
  const [rows, setRows] = useState<BindingRow[]>([newBindingRow()]);
  const [problem, setProblem] = useState<string | null>(null);
  const save = () => {
    const reading = readBindings(rows);
    setProblem(reading.ok ? null : reading.problem);
    if (reading.ok) onSave(reading.bindings);
  };
  return (
    <>
      <BindingsEditor legend="Bindings" rows={rows} onChange={setRows} />
      {problem && <p role="alert">{problem}</p>}
      <button type="button" onClick={save}>
        Save
      </button>
    </>
  );
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('BindingsEditor', () => {
  it('turns rows into the request bindings, with * for all', () => {
    const saved: RoleBindingRequest[][] = [];
    render(<Harness onSave={(bindings) => saved.push(bindings)} />);
    type('Role 1', 'deployer');
    type('Applications 1', ' shop, api ,shop,');
    fireEvent.click(screen.getByRole('button', { name: 'Add binding' }));
    type('Role 2', 'approver');
    type('Environments 2', 'production, *');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(saved).toEqual([
      [
        { role: 'deployer', apps: ['shop', 'api'], environments: ['*'] },
        { role: 'approver', apps: ['*'], environments: ['*'] },
      ],
    ]);
  });

  it('asks for a role before saving a row without one', () => {
    const saved: RoleBindingRequest[][] = [];
    render(<Harness onSave={(bindings) => saved.push(bindings)} />);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByRole('alert').textContent).toBe('Choose a role for the binding.');
    expect(saved).toEqual([]);
  });

  it('asks for applications when the field is left empty, and removes rows', () => {
    render(<Harness onSave={() => undefined} />);
    type('Role 1', 'viewer');
    type('Applications 1', ' , ');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByRole('alert').textContent).toBe('Name the applications of the binding (or * for all).');
    fireEvent.click(screen.getByRole('button', { name: 'Remove binding 1' }));
    expect(screen.queryByLabelText('Role 1')).toBeNull();
    expect(screen.getByText('No bindings: no access.')).toBeTruthy();
  });
});
