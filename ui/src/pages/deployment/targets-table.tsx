import type { TaskDto } from './deployment-state.js';
import { TaskStateBadge } from './task-state-badge.js';

/** Each target's part in the deployment: its batch, state, step and error, with a way to its logs. */
export function TargetsTable({ tasks, onShowLogs }: { tasks: readonly TaskDto[]; onShowLogs: (target: string) => void }) {
  if (tasks.length === 0) return <p className="muted">No targets yet: they are chosen when the deployment starts.</p>;
  const sorted = [...tasks].sort((a, b) => a.batch - b.batch || a.target.localeCompare(b.target));
  return (
    <div className="grid-scroll">
      <table className="targets-table">
        <caption className="visually-hidden">Targets of this deployment</caption>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Batch</th>
            <th scope="col">State</th>
            <th scope="col">Step</th>
            <th scope="col">Error</th>
            <th scope="col">Previous version</th>
            <th scope="col">
              <span className="visually-hidden">Logs</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((task) => (
            <tr key={task.target} data-testid={`task-${task.target}`}>
              <th scope="row">{task.target}</th>
              <td>{task.batch + 1}</td>
              <td>
                <TaskStateBadge state={task.state} />
              </td>
              <td>
                <StepCell task={task} />
              </td>
              <td className="task-error">
                {task.error ? (
                  <>
                    <code>{task.error.code}</code> {task.error.message}
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td>{task.previousVersion ? <code>{task.previousVersion}</code> : <span className="muted">none</span>}</td>
              <td>
                <button type="button" className="button button-plain" aria-label={`Show logs of ${task.target}`} onClick={() => onShowLogs(task.target)}>
                  Logs
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StepCell({ task }: { task: TaskDto }) {
  if (task.step === null) return <span className="muted">—</span>;
  return (
    <>
      <code>{task.step}</code> <span className="muted small">{task.stepDone ? 'done' : task.state === 'running' || task.state === 'rolling_back' ? 'running' : 'stopped'}</span>
      {task.attempt > 1 && <span className="muted small"> · attempt {task.attempt}</span>}
    </>
  );
}
