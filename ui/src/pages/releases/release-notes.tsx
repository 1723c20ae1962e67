import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ReleaseDto, ReleaseNotesDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { QueryView } from '../../components/query-view.js';
import { TimeAgo } from '../../components/time-ago.js';
import { ReleasePicker, useReleaseChoice } from './release-picker.js';

interface ReleaseNotesSectionProps {
  readonly app: string;
  /** Newest first or not: the newest is picked first. */
  readonly releases: readonly ReleaseDto[];
  /** Environment names in lifecycle order. */
  readonly environments: readonly string[];
}

/**
 * Release notes from git: the commits a release brings, since the previous release or since what
 * is live in an environment (GET …/releases/:version/notes).
 */
export function ReleaseNotesSection({ app, releases, environments }: ReleaseNotesSectionProps) {
  const { newestFirst, version, setVersion } = useReleaseChoice(releases);
  const [environment, setEnvironment] = useState('');
  const notes = useQuery({
    queryKey: ['release-notes', app, version, environment],
    queryFn: () => api.releaseNotes(app, version, { environment: environment || undefined }),
    enabled: version !== '',
  });
  if (newestFirst.length === 0) return null;
  return (
    <section aria-labelledby="release-notes">
      <h2 id="release-notes">Release notes</h2>
      <div className="filters">
        <ReleasePicker releases={newestFirst} version={version} onChange={setVersion} />
        <label>
          Since{' '}
          <select value={environment} onChange={(event) => setEnvironment(event.target.value)}>
            <option value="">the previous release</option>
            {environments.map((name) => (
              <option key={name} value={name}>
                what is live in {name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryView query={notes} what="the release notes">
        {(found) => <ReleaseNotesView notes={found} />}
      </QueryView>
    </section>
  );
}

const short = (sha: string | null) => (sha ? sha.slice(0, 12) : '—');

/** The commits between two releases, newest first, and the releases in between. */
export function ReleaseNotesView({ notes }: { notes: ReleaseNotesDto }) {
  const since =
    notes.from === null ? (
      <>{notes.environment === null ? 'no earlier release' : `nothing live in ${notes.environment}`}: every known commit of its history</>
    ) : (
      <>
        since <code>{notes.from.version}</code> ({short(notes.from.commit)}){notes.environment === null ? ', the previous release' : `, live in ${notes.environment}`}
      </>
    );
  return (
    <>
      <p className="muted">
        <code>{notes.to.version}</code> ({short(notes.to.commit)}) {since}
        {notes.releases.length > 0 && <> — releases in between: {notes.releases.map((release) => release.version).join(', ')}</>}
      </p>
      {notes.to.commit === null ? (
        <p className="empty">
          This release records no commit. Create releases with <code>gantry release create … --git REPO --commit SHA</code> or <code>--from-git REPO --ref REF</code> to see their notes.
        </p>
      ) : notes.commits.length === 0 ? (
        <p className="empty">No commits in between.</p>
      ) : (
        <div className="grid-scroll">
          <table className="list release-commits">
            <caption className="visually-hidden">Commits, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Commit</th>
                <th scope="col">Subject</th>
                <th scope="col">Author</th>
                <th scope="col">Committed</th>
              </tr>
            </thead>
            <tbody>
              {notes.commits.map((commit) => (
                <tr key={commit.sha}>
                  <td>
                    <code title={commit.sha}>{commit.sha.slice(0, 12)}</code>
                    {commit.parents.length > 1 && <span className="badge release-merge">merge</span>}
                  </td>
                  <td>{commit.subject}</td>
                  <td title={commit.authorEmail}>{commit.authorName}</td>
                  <td className="release-since">
                    <TimeAgo at={commit.committedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
