import type { ApplicationDto } from '../../../../src/client/api-client.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { lifecycleBlock } from './lifecycle.js';

type Environment = ApplicationDto['environments'][number];

interface DeployButtonsProps {
  readonly app: string;
  readonly version: string;
  /** The environments the signed-in user may deploy to, in lifecycle order. */
  readonly environments: readonly Environment[];
  readonly lifecycle: readonly string[];
  /** Where this release has succeeded. */
  readonly succeededIn: ReadonlySet<string>;
  /** Queues the deployment (and goes to it); a rejection is shown in the dialog. */
  readonly deploy: (environment: string) => Promise<unknown>;
}

/** "Deploy 1.4.0 to staging", one per environment; disabled, with the reason, until the lifecycle allows it. */
export function DeployButtons({ app, version, environments, lifecycle, succeededIn, deploy }: DeployButtonsProps) {
  return (
    <ul className="deploy-buttons">
      {environments.map((environment) => {
        const needs = lifecycleBlock(lifecycle, environment.name, succeededIn);
        return (
          <li key={environment.name}>
            <ConfirmButton
              label={`Deploy ${version} to ${environment.name}`}
              tone={environment.protected ? 'primary' : 'plain'}
              disabled={needs !== null}
              onConfirm={() => deploy(environment.name)}
              question={<DeployQuestion app={app} version={version} environment={environment} />}
            />
            {needs !== null && <span className="deploy-reason">needs {needs} first</span>}
            {needs === null && environment.protected && <span className="deploy-reason">protected: needs a change</span>}
          </li>
        );
      })}
    </ul>
  );
}

function DeployQuestion({ app, version, environment }: { app: string; version: string; environment: Environment }) {
  return (
    <>
      <p>
        Deploy {app} <code>{version}</code> to <strong>{environment.name}</strong>. It is queued behind any deployment of {app} already running there.
      </p>
      {environment.protected && (
        <p>
          {environment.name} is protected: the deployment must implement an approved change request scheduled for now. Without one, Gantry refuses it and says why
          here.
        </p>
      )}
    </>
  );
}
