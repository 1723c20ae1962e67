import { useId, useRef, useState, type ReactNode } from 'react';
import { messageOf } from '../api/errors.js';

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      dialog.current?.close();
    } catch (cause) {
      setError(messageOf(cause));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className={`button button-${tone}`} disabled={disabled} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} className="confirm" onClose={() => setError(null)}>
        <h2 id={titleId}>{label}?</h2>
        <div>{question}</div>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="confirm-actions">
          <button type="button" className="button" onClick={() => dialog.current?.close()} disabled={busy}>
            Cancel
          </button>
          <button type="button" className={`button button-${tone}`} onClick={() => void confirm()} disabled={busy}>
            {busy ? 'Working…' : label}
          </button>
        </div>
      </dialog>
    </>
  );
}
