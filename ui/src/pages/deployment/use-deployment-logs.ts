/**
 * A deployment's logs and live progress: every stored log line (read page by page), then the
 * deployment's stream (new lines, progress events) until it ends or the page is left. A progress
 * event refreshes the deployment's queries, at most once per 200 ms. No polling.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { LogLineDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { deploymentKey } from './deployment-queries.js';

export type StreamStatus =
  | { readonly state: 'idle' }
  | { readonly state: 'live' }
  | { readonly state: 'reconnecting'; readonly reason: string }
  | { readonly state: 'ended' }
  | { readonly state: 'stopped'; readonly error: string };

export interface DeploymentLogs {
  readonly lines: readonly LogLineDto[];
  readonly loaded: boolean;
  readonly error: string | null;
  readonly stream: StreamStatus;
}

const REFRESH_MS = 200;
/** New lines are added to the view in bursts, not one render per line. */
const FLUSH_MS = 100;

/** `follow`: the deployment had not ended when the page loaded it, so there is something to follow. */
export function useDeploymentLogs(id: string, follow: boolean): DeploymentLogs {
  const client = useQueryClient();
  const [lines, setLines] = useState<readonly LogLineDto[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [stream, setStream] = useState<StreamStatus>({ state: 'idle' });
  const lastSeq = useRef(0);

  useEffect(() => {
    const controller = new AbortController();
    void (async () => {
      try {
        let all: LogLineDto[] = [];
        for (;;) {
          const page = await api.listLogs(id, lastSeq.current);
          if (controller.signal.aborted) return;
          if (page.length === 0) break;
          all = all.concat(page);
          lastSeq.current = page.at(-1)!.seq;
          setLines(all);
        }
        setLoaded(true);
      } catch (cause) {
        if (!controller.signal.aborted) setError(messageOf(cause));
      }
    })();
    return () => controller.abort();
  }, [id]);

  const streaming = loaded && follow;
  useEffect(() => {
    if (!streaming) return;
    const controller = new AbortController();
    const pending: LogLineDto[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    let reconnecting = false;
    const flush = () => {
      clearTimeout(flushTimer);
      flushTimer = undefined;
      const added = pending.splice(0);
      if (added.length > 0) setLines((previous) => previous.concat(added));
    };
    const refresh = () => {
      if (refreshTimer !== undefined) return;
      refreshTimer = setTimeout(() => {
        refreshTimer = undefined;
        void client.invalidateQueries({ queryKey: deploymentKey(id) });
      }, REFRESH_MS);
    };
    const onReconnect = (_attempt: number, reason: string) => {
      reconnecting = true;
      setStream({ state: 'reconnecting', reason });
    };
    setStream({ state: 'live' });
    void (async () => {
      try {
        for await (const item of api.streamDeployment(id, { logsAfter: lastSeq.current, signal: controller.signal, onReconnect })) {
          if (reconnecting) {
            reconnecting = false;
            setStream({ state: 'live' });
          }
          if (item.type === 'log') {
            pending.push(item.line);
            lastSeq.current = item.line.seq;
            flushTimer ??= setTimeout(flush, FLUSH_MS);
          } else if (item.type === 'progress') {
            refresh();
          } else {
            flush();
            setStream({ state: 'ended' });
            void client.invalidateQueries({ queryKey: deploymentKey(id) });
          }
        }
      } catch (cause) {
        if (!controller.signal.aborted) setStream({ state: 'stopped', error: messageOf(cause) });
      }
    })();
    return () => {
      controller.abort();
      flush();
      clearTimeout(refreshTimer);
    };
  }, [id, streaming, client]);

  return { lines, loaded, error, stream };
}
