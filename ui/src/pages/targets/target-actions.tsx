import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type { TargetDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { useCan } from '../../api/session.js';
import { ConfirmButton } from '../../components/confirm-button.js';

/** Remove the target, or (an agent) revoke it: for people who may manage targets. */
export function TargetActions({ target }: { target: TargetDto }) {
  const can = useCan();
  const client = useQueryClient();
  const navigate = useNavigate();
  if (!can('targets')) return null;
  const remove = async () => {
    await api.removeTarget(target.name);
    // Leave first, so the page does not ask again for the target that is gone.
    await navigate('/targets');
    client.removeQueries({ queryKey: ['targets', target.name] });
    void client.invalidateQueries({ queryKey: ['targets'] });
  };
  const revoke = async () => {
    const revoked = await api.revokeAgent(target.name);
    client.setQueryData(['targets', target.name], revoked);
    void client.invalidateQueries({ queryKey: ['targets'] });
  };
  return (
    <>
      {target.transport === 'agent' && !target.revoked && (
        <ConfirmButton
          label="Revoke agent"
          tone="danger"
          onConfirm={revoke}
          question={<p>The agent on {target.name} is refused from now on and its live session is dropped. It needs a new enrolment token to come back.</p>}
        />
      )}
      <ConfirmButton
        label="Remove target"
        tone="danger"
        onConfirm={remove}
        question={<p>{target.name} is taken out of the inventory: no deployment selects it any more. Its files on the machine are left as they are.</p>}
      />
    </>
  );
}
