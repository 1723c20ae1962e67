import { useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useNavigate } from 'react-router';
import type { ApplicationDto, DeploymentDto, ReleaseDto, StatusDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { useCan } from '../../api/session.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { DeployButtons } from './deploy-buttons.js';
import { EnvironmentStatus } from './environment-status.js';
import { environmentsInLifecycleOrder, successesByVersion } from './lifecycle.js';
import { ReleaseEvidenceSection } from './release-evidence.js';
import { ReleaseNotesSection } from './release-notes.js';
import { ReleaseTable } from './release-table.js';

/** The lifecycle check reads every recent deployment of the app (the server's own limit). */
const DEPLOYMENT_HISTORY = 500;

/** One application: its environments in lifecycle order, then its releases with where each is live and where it may go. */
export function ApplicationReleases({ app }: { app: string }) {
  const application = useQuery({ queryKey: ['application', app], queryFn: () => api.getApplication(app) });
  const status = useQuery({ queryKey: ['status', app], queryFn: () => api.getStatus(app) });
  const releases = useQuery({ queryKey: ['releases', app], queryFn: () => api.listReleases(app) });
  // Under 'deployments', so the activity stream keeps it current.
  const deployments = useQuery({ queryKey: ['deployments', { app, limit: DEPLOYMENT_HISTORY }], queryFn: () => api.listDeployments({ app, limit: DEPLOYMENT_HISTORY }) });
  useStatusFollowsDeployments(app, deployments);
  return (
    <Page title={`Releases of ${app}`}>
      <QueryView query={application} what="the application">
        {(found) => (
          <>
            <section aria-labelledby="release-environments">
              <h2 id="release-environments">Environments</h2>
              {found.lifecycle.length > 0 && <p className="muted">Lifecycle: {found.lifecycle.join(' → ')}</p>}
              <QueryView query={status} what="where releases are live">
                {(live) => <EnvironmentStatus environments={environmentsInLifecycleOrder(found)} status={live} />}
              </QueryView>
            </section>
            <section aria-labelledby="release-list">
              <h2 id="release-list">Releases</h2>
              <QueryView query={releases} what="the releases">
                {(list) =>
                  list.length === 0 ? (
                    <p className="empty">
                      No releases of {app} yet. Upload one with <code>gantry release</code>.
                    </p>
                  ) : (
                    <QueryView query={status} what="where releases are live">
                      {(live) => (
                        <QueryView query={deployments} what="the deployment history">
                          {(history) => <Releases app={app} application={found} releases={list} status={live} deployments={history} />}
                        </QueryView>
                      )}
                    </QueryView>
                  )
                }
              </QueryView>
            </section>
            {releases.data && releases.data.length > 0 && (
              <ReleaseNotesSection app={app} releases={releases.data} environments={environmentsInLifecycleOrder(found).map((environment) => environment.name)} />
            )}
            {releases.data && releases.data.length > 0 && <ReleaseEvidenceSection app={app} releases={releases.data} />}
          </>
        )}
      </QueryView>
    </Page>
  );
}

interface ReleasesProps {
  readonly app: string;
  readonly application: ApplicationDto;
  readonly releases: readonly ReleaseDto[];
  readonly status: StatusDto;
  readonly deployments: readonly DeploymentDto[];
}

function Releases({ app, application, releases, status, deployments }: ReleasesProps) {
  const can = useCan();
  const navigate = useNavigate();
  const client = useQueryClient();
  const ordered = environmentsInLifecycleOrder(application);
  const deployable = ordered.filter((environment) => can('deploy', { app, environment: environment.name }));
  const successes = successesByVersion(deployments, status);
  const deploy = async (version: string, environment: string) => {
    const queued = await api.deploy({ app, version, environment });
    void client.invalidateQueries({ queryKey: ['dashboard'] });
    void client.invalidateQueries({ queryKey: ['deployments'] });
    await navigate(`/deployments/${queued.deployment.id}`);
  };
  const actions =
    deployable.length === 0
      ? null
      : (release: ReleaseDto) => (
          <DeployButtons
            app={app}
            version={release.version}
            environments={deployable}
            lifecycle={application.lifecycle}
            succeededIn={successes.get(release.version) ?? new Set()}
            deploy={(environment) => deploy(release.version, environment)}
          />
        );
  return <ReleaseTable releases={releases} status={status} order={ordered.map((environment) => environment.name)} actions={actions} />;
}

/** What is live changes when a deployment of the app ends: ask for the status again whenever the (stream-refreshed) deployments do. */
function useStatusFollowsDeployments(app: string, deployments: UseQueryResult<unknown>): void {
  const client = useQueryClient();
  const seen = useRef(deployments.dataUpdatedAt);
  useEffect(() => {
    if (seen.current === deployments.dataUpdatedAt) return;
    const first = seen.current === 0;
    seen.current = deployments.dataUpdatedAt;
    if (!first) void client.invalidateQueries({ queryKey: ['status', app] });
  }, [app, client, deployments.dataUpdatedAt]);
}
