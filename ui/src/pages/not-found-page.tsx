import { Link } from 'react-router';
import { Page } from '../components/page.js';

export function NotFoundPage() {
  return (
    <Page title="Not found">
      <p>
        There is no page here. <Link to="/">Back to the dashboard</Link>.
      </p>
    </Page>
  );
}
