import { NavLink, Outlet, useNavigate } from 'react-router';
import { useActivity } from '../api/activity.js';
import { api } from '../api/client.js';
import { useCan, useSession, useSessionReset } from '../api/session.js';

/** The frame of every signed-in page: a skip link, the navigation, who is signed in. */
export function Layout() {
  const session = useSession();
  const can = useCan();
  const reset = useSessionReset();
  const navigate = useNavigate();
  useActivity();
  const signOut = async () => {
    await api.logout().catch(() => undefined);
    await reset();
    await navigate('/');
  };
  const links: [string, string, boolean][] = [
    ['/', 'Dashboard', true],
    ['/deployments', 'Deployments', true],
    ['/releases', 'Releases', true],
    ['/targets', 'Targets', true],
    ['/patch', 'Patch', true],
    ['/policies', 'Policies', true],
    ['/inventory', 'Inventory', true],
    ['/drift', 'Drift', true],
    ['/changes', 'Changes', true],
    ['/calendar', 'Calendar', true],
    ['/audit', 'Audit', can('audit')],
    ['/settings', 'Settings', can('users') || can('tokens')],
  ];
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <span className="brand">Gantry</span>
        <nav aria-label="Main">
          <ul>
            {links
              .filter(([, , shown]) => shown)
              .map(([to, label]) => (
                <li key={to}>
                  <NavLink to={to} end={to === '/'}>
                    {label}
                  </NavLink>
                </li>
              ))}
          </ul>
        </nav>
        <div className="who">
          <span aria-label="Signed in as">{session.user}</span>
          {session.authenticatedBy === 'session' && (
            <button type="button" className="button button-plain" onClick={() => void signOut()}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
