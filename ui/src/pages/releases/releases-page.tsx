import { useParams } from 'react-router';
import { ApplicationList } from './application-list.js';
import { ApplicationReleases } from './application-releases.js';
import './releases.css';

/** `/releases`: the applications; `/releases/:app`: one application's releases and where they may go. */
export function ReleasesPage() {
  const { app } = useParams();
  return app === undefined ? <ApplicationList /> : <ApplicationReleases key={app} app={app} />;
}
