import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { ChangeDto, CloseCode } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { useCan } from '../../api/session.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { readEvidence } from './change-evidence.js';
import { changeTakes as allows } from '../../../../src/client/change-rules.js';
import { CLOSE_CODE_LABELS, CLOSE_CODES_IN_ORDER } from './change-words.js';

function CommentField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const id = useId();
  return (
    <div className="change-dialog-field">
      <label htmlFor={id}>Comment</label>
      <textarea id={id} rows={3} value={value} onChange={(event) => onChange(event.target.value)} />
    </div>
  );
}

/** Approve, Reject or Send back, each with an optional comment. */
function DecisionButton({ label, question, tone, decide }: { label: string; question: string; tone: 'primary' | 'danger' | 'plain'; decide: (comment?: string) => Promise<unknown> }) {
  const [comment, setComment] = useState('');
  return (
    <ConfirmButton
      label={label}
      tone={tone}
      question={
        <>
          <p>{question}</p>
          <CommentField value={comment} onChange={setComment} />
        </>
      }
      onConfirm={async () => {
        await decide(comment.trim() || undefined);
        setComment('');
      }}
    />
  );
}

function CloseWithReview({ change, done }: { change: ChangeDto; done: (action: Promise<ChangeDto>) => Promise<unknown> }) {
  const proposed = readEvidence(change.evidence)?.proposal?.closeCode ?? 'unsuccessful';
  const [closeCode, setCloseCode] = useState<CloseCode>(proposed);
  const [notes, setNotes] = useState('');
  const [codeId, notesId] = [useId(), useId()];
  return (
    <ConfirmButton
      label="Close with review"
      tone="primary"
      question={
        <>
          <p>
            Close {change.id} after its post-implementation review. The evidence proposes <strong>{CLOSE_CODE_LABELS[proposed]}</strong>.
          </p>
          <div className="change-dialog-field">
            <label htmlFor={codeId}>Close code</label>
            <select id={codeId} value={closeCode} onChange={(event) => setCloseCode(event.target.value as CloseCode)}>
              {CLOSE_CODES_IN_ORDER.map((code) => (
                <option key={code} value={code}>
                  {CLOSE_CODE_LABELS[code]}
                  {code === proposed ? ' (proposed)' : ''}
                </option>
              ))}
            </select>
          </div>
          <div className="change-dialog-field">
            <label htmlFor={notesId}>Notes</label>
            <textarea id={notesId} rows={3} value={notes} onChange={(event) => setNotes(event.target.value)} />
          </div>
        </>
      }
      onConfirm={() => done(api.reviewChange(change.id, { closeCode, notes: notes.trim() || undefined }))}
    />
  );
}

/** The actions this user may take on the change in its state; none when there are none. */
export function ChangeActions({ change }: { change: ChangeDto }) {
  const can = useCan();
  const client = useQueryClient();
  const scope = { app: change.app, environment: change.environment };
  const [mayApprove, mayChange] = [can('approve', scope), can('change', scope)];
  const done = async (action: Promise<ChangeDto>) => {
    const updated = await action;
    client.setQueryData(['changes', change.id], updated);
    await client.invalidateQueries({ queryKey: ['changes'] });
  };
  const { id } = change;
  return (
    <>
      {mayChange && allows(change, 'submit') && <ConfirmButton label="Submit" tone="primary" question={<p>Submit {id} for assessment and approval? Its risk is scored and its approval policy chosen now.</p>} onConfirm={() => done(api.submitChange(id))} />}
      {mayApprove && allows(change, 'approve') && <DecisionButton label="Approve" tone="primary" question={`Approve ${id}: ${change.title}?`} decide={(comment) => done(api.approveChange(id, comment))} />}
      {mayApprove && allows(change, 'reject') && <DecisionButton label="Reject" tone="danger" question={`Reject ${id}? A rejected change cannot go ahead.`} decide={(comment) => done(api.rejectChange(id, comment))} />}
      {mayApprove && allows(change, 'sendBack') && (
        <DecisionButton label="Send back" tone="plain" question={`Send ${id} back to ${change.requester} for rework? Decisions given so far stop counting.`} decide={(comment) => done(api.sendBackChange(id, comment))} />
      )}
      {mayApprove && allows(change, 'close') && <CloseWithReview change={change} done={done} />}
      {mayChange && allows(change, 'cancel') && <ConfirmButton label="Cancel change" tone="danger" question={<p>Withdraw {id}? A cancelled change cannot be taken up again.</p>} onConfirm={() => done(api.cancelChange(id))} />}
    </>
  );
}
