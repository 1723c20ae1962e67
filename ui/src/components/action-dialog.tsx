import { useId, useState, type ReactNode, type RefObject } from 'react';
import { messageOf } from '../api/errors.js';

interface ActionDialogProps {
  /** The `<dialog>`; its owner opens it (`showModal()`), Cancel, Escape or a done action close it. */
  readonly dialog: RefObject<HTMLDialogElement | null>;
  readonly title: ReactNode;
  readonly children: ReactNode;
  /** The action button's text, e.g. "Roll back", and its text while the action runs. */
  readonly actionLabel: string;
  readonly busyLabel: string;
  readonly tone?: 'danger' | 'primary' | 'plain';
  /** Runs on the action button; when it resolves the dialog closes, a rejection is shown and it stays open. */
  readonly onAction: () => Promise<unknown>;
  readonly onClose?: () => void;
}

/** A modal dialog: a title, its content, an error when the action fails, then Cancel and the action. */
export function ActionDialog({ dialog, title, children, actionLabel, busyLabel, tone = 'plain', onAction, onClose }: ActionDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const act = async () => {
    setBusy(true);
    setError(null);
    try {
      await onAction();
      dialog.current?.close();
    } catch (cause) {
      setError(messageOf(cause));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      className="confirm"
      onClose={() => {
        setError(null);
        onClose?.();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="confirm-actions">
        <button type="button" className="button" onClick={() => dialog.current?.close()} disabled={busy}>
          Cancel
        </button>
        <button type="button" className={`button button-${tone}`} onClick={() => void act()} disabled={busy}>
          {busy ? busyLabel : actionLabel}
        </button>
      </div>
    </dialog>
  );
}
