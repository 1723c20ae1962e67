/** `/deployments/:id`: one deployment live — its rollout, targets, analysis and logs, and what can be done to it. */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useParams } from 'react-router';
import type { DeploymentDetailDto, DeploymentDto } from '../../../../src/client/api-client.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { StateBadge } from '../../components/state-badge.js';
import { AnalysisSection } from './analysis-section.js';
import { DeploymentActions } from './deployment-actions.js';
import { DeploymentFacts } from './deployment-facts.js';
import { deploymentKey, useDeploymentDetail, useMeasurements } from './deployment-queries.js';
import { isFinished } from './deployment-state.js';
import { DeploymentSummary } from './deployment-summary.js';
import { FeedbackSection } from './feedback-section.js';
import { LogViewer } from './log-viewer.js';
import { TargetsTable } from './targets-table.js';
import { TimeSection } from './time-section.js';
import { Timeline } from './timeline.js';
import { useDeploymentLogs } from './use-deployment-logs.js';
import './deployment.css';

export function DeploymentPage() {
  const { id = '' } = useParams();
  // A new id (e.g. after a rollback) starts afresh: its own logs and stream.
  return <DeploymentView key={id} id={id} />;
}

function DeploymentView({ id }: { id: string }) {
  const detail = useDeploymentDetail(id);
  if (!detail.data) {
    return (
      <Page title="Deployment">
        <QueryView query={detail} what={`deployment ${id}`}>
          {() => null}
        </QueryView>
      </Page>
    );
  }
  return <DeploymentScreen detail={detail.data} />;
}

function DeploymentScreen({ detail }: { detail: DeploymentDetailDto }) {
  const { deployment, tasks } = detail;
  const { id, app, version, environment } = deployment;
  const client = useQueryClient();
  const logs = useDeploymentLogs(id, !isFinished(deployment.state));
  const measurements = useMeasurements(id);
  const [logTarget, setLogTarget] = useState('');
  const logsHeading = useRef<HTMLHeadingElement>(null);
  const title = `${app} ${version} → ${environment}`;
  useEffect(() => {
    document.title = `${title} · Gantry`;
  }, [title]);

  const onChanged = async (updated?: DeploymentDto) => {
    if (updated) client.setQueryData<DeploymentDetailDto>(deploymentKey(id), (old) => old && { ...old, deployment: updated });
    await Promise.all([client.invalidateQueries({ queryKey: deploymentKey(id) }), client.invalidateQueries({ queryKey: ['deployments'] })]);
  };
  const showLogs = (target: string) => {
    setLogTarget(target);
    logsHeading.current?.focus();
  };
  const hasAnalysis = (deployment.gates ?? []).some((gate) => gate.kind === 'analysis') || (measurements.data?.length ?? 0) > 0;
  const targets = [...tasks].sort((a, b) => a.batch - b.batch || a.target.localeCompare(b.target)).map((task) => task.target);

  return (
    <>
      <div className="page-header">
        <h1>{title}</h1>
        <StateBadge state={deployment.state} />
        {deployment.controlRequest && (
          <span className="badge badge-warning" title="The engine acts on it at the next batch boundary (an abort at once)">
            {deployment.controlRequest} requested
          </span>
        )}
        <div className="page-actions deployment-actions">
          <DeploymentActions deployment={deployment} onChanged={onChanged} />
        </div>
      </div>
      <DeploymentFacts deployment={deployment} stream={logs.stream} />
      <DeploymentSummary detail={detail} />

      <section aria-labelledby="rollout-heading">
        <h2 id="rollout-heading">Rollout</h2>
        <Timeline deployment={deployment} tasks={tasks} />
      </section>

      <section aria-labelledby="logs-heading">
        <h2 id="logs-heading" className="logs-heading" ref={logsHeading} tabIndex={-1}>
          Logs
        </h2>
        {logs.error && (
          <p role="alert" className="error">
            Could not load the logs: {logs.error}
          </p>
        )}
        <LogViewer lines={logs.lines} loading={!logs.loaded && !logs.error} targets={targets} target={logTarget} onTargetChange={setLogTarget} />
      </section>

      <section aria-labelledby="targets-heading">
        <h2 id="targets-heading">Targets</h2>
        <TargetsTable tasks={tasks} onShowLogs={showLogs} />
      </section>

      {detail.time && <TimeSection time={detail.time} />}

      {isFinished(deployment.state) && <FeedbackSection app={app} version={version} environment={environment} deploymentId={id} />}

      {hasAnalysis && (
        <section aria-labelledby="analysis-heading">
          <h2 id="analysis-heading">Analysis</h2>
          <QueryView query={measurements} what="the analysis measurements">
            {(data) => <AnalysisSection measurements={data} />}
          </QueryView>
        </section>
      )}
    </>
  );
}
