import { useRef, type ReactNode } from 'react';
import { ActionDialog } from './action-dialog.js';

interface ConfirmButtonProps {
  /** The button's text, e.g. "Roll back". */
  readonly label: string;
  /** What will happen, asked in the dialog. */
  readonly question: ReactNode;
  /** Runs on confirmation; a rejection is shown in the dialog, which stays open. */
  readonly onConfirm: () => Promise<unknown>;
  readonly tone?: 'danger' | 'primary' | 'plain';
  readonly disabled?: boolean;
}

/** A button that asks first, in a modal dialog (Escape or Cancel leaves it). */
export function ConfirmButton({ label, question, onConfirm, tone = 'plain', disabled }: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button type="button" className={`button button-${tone}`} disabled={disabled} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <ActionDialog dialog={dialog} title={`${label}?`} actionLabel={label} busyLabel="Working…" tone={tone} onAction={onConfirm}>
        <div>{question}</div>
      </ActionDialog>
    </>
  );
}
