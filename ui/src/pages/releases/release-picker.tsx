import { useState } from 'react';
import type { ReleaseDto } from '../../../../src/client/api-client.js';

/** The application's releases, newest first, and the one chosen (the newest until someone picks). */
export function useReleaseChoice(releases: readonly ReleaseDto[]): { newestFirst: ReleaseDto[]; version: string; setVersion: (version: string) => void } {
  const newestFirst = [...releases].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const [version, setVersion] = useState(newestFirst[0]?.version ?? '');
  return { newestFirst, version, setVersion };
}

export function ReleasePicker({ releases, version, onChange }: { releases: readonly ReleaseDto[]; version: string; onChange: (version: string) => void }) {
  return (
    <label>
      Release{' '}
      <select value={version} onChange={(event) => onChange(event.target.value)}>
        {releases.map((release) => (
          <option key={release.version} value={release.version}>
            {release.version}
          </option>
        ))}
      </select>
    </label>
  );
}
