/**
 * A deployment's step logs: every line kept, only the lines in view rendered (a fixed row height,
 * so 100 000 lines scroll as smoothly as 100), following the end until the reader scrolls up.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useMemo, useRef, useState, type UIEvent } from 'react';
import type { LogLineDto } from '../../../../src/client/api-client.js';
import { AnsiText } from './ansi-text.js';

/** Pixels; deployment.css gives `.log-line` the same height. */
export const LOG_ROW_HEIGHT = 20;

interface LogViewerProps {
  readonly lines: readonly LogLineDto[];
  /** Stored lines are still being read. */
  readonly loading?: boolean;
  /** The deployment's targets, for the filter. */
  readonly targets: readonly string[];
  /** The target shown, or '' for all. */
  readonly target: string;
  readonly onTargetChange: (target: string) => void;
}

export function LogViewer({ lines, loading = false, targets, target, onTargetChange }: LogViewerProps) {
  const [step, setStep] = useState('');
  const [following, setFollowing] = useState(true);
  const scroller = useRef<HTMLDivElement>(null);
  const lastScrollTop = useRef(0);
  const ids = useId();

  const steps = useMemo(() => {
    const seen = new Set<string>();
    for (const line of lines) if (line.step !== null) seen.add(line.step);
    return [...seen];
  }, [lines]);
  const shown = useMemo(
    () => (target === '' && step === '' ? lines : lines.filter((line) => (target === '' || line.target === target) && (step === '' || line.step === step))),
    [lines, target, step],
  );

  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => LOG_ROW_HEIGHT,
    getItemKey: (index) => shown[index]?.seq ?? index,
    overscan: 15,
  });

  useEffect(() => {
    if (following && shown.length > 0) virtualizer.scrollToEnd();
  }, [following, shown, virtualizer]);

  // Scrolling up stops following; coming back to the end starts it again.
  const onScroll = (event: UIEvent<HTMLDivElement>) => {
    const element = event.currentTarget;
    const atEnd = element.scrollHeight - element.scrollTop - element.clientHeight <= LOG_ROW_HEIGHT;
    const movedUp = element.scrollTop < lastScrollTop.current;
    lastScrollTop.current = element.scrollTop;
    if (atEnd && !following) setFollowing(true);
    else if (!atEnd && movedUp && following) setFollowing(false);
  };

  const showSource = target === '';
  return (
    <div className="log-viewer">
      <div className="filters log-filters">
        <label>
          Target
          <select value={target} onChange={(event) => onTargetChange(event.target.value)}>
            <option value="">all targets</option>
            {targets.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Step
          <select value={step} onChange={(event) => setStep(event.target.value)}>
            <option value="">all steps</option>
            {steps.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
        <label className="log-follow">
          <input type="checkbox" checked={following} onChange={(event) => setFollowing(event.target.checked)} />
          Follow new lines
        </label>
        <span className="muted small log-count" id={`${ids}-count`} role={loading ? 'status' : undefined}>
          {loading && 'Loading… '}
          {shown.length === lines.length ? `${lines.length.toLocaleString('en')} lines` : `${shown.length.toLocaleString('en')} of ${lines.length.toLocaleString('en')} lines`}
        </span>
      </div>
      {/* role="log" names the region; it is not announced live, since scrolling re-renders the rows in view. */}
      <div
        ref={scroller}
        className="log-scroll"
        role="log"
        aria-live="off"
        aria-label={target === '' ? 'Deployment logs' : `Logs of ${target}`}
        aria-describedby={`${ids}-count`}
        tabIndex={0}
        onScroll={onScroll}
      >
        {shown.length === 0 ? (
          <p className="log-empty">{loading ? 'Loading the logs…' : lines.length === 0 ? 'No log lines yet.' : 'No line matches these filters.'}</p>
        ) : (
          <div className="log-rows" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const line = shown[item.index]!;
              return (
                <div key={item.key} className={`log-line log-${line.stream}`} style={{ transform: `translateY(${item.start}px)` }} title={line.at}>
                  {showSource && <span className="log-source">{line.target ?? 'gantry'} </span>}
                  {line.stream === 'stderr' && <span className="visually-hidden">stderr: </span>}
                  <AnsiText text={line.text} />
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
