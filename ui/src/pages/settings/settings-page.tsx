import type { ReactNode } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { useCan } from '../../api/session.js';
import { Page } from '../../components/page.js';
import { AccountTab } from './account-tab.js';
import { NodesTab } from './nodes-tab.js';
import './settings.css';
import { TeamsTab } from './teams-tab.js';
import { TokensTab } from './tokens-tab.js';
import { UsersTab } from './users-tab.js';

interface Tab {
  readonly path: string;
  readonly label: string;
  readonly allowed: boolean;
  /** Said when the user may not see it. */
  readonly needs: string;
  readonly element: ReactNode;
}

/** Users, teams, tokens, server nodes and the signed-in person's account, one tab each (`/settings/<tab>`). */
export function SettingsPage() {
  const can = useCan();
  const tabs: Tab[] = [
    { path: 'users', label: 'Users', allowed: can('users'), needs: 'manage users', element: <UsersTab /> },
    { path: 'teams', label: 'Teams', allowed: can('users'), needs: 'manage teams', element: <TeamsTab /> },
    { path: 'tokens', label: 'Tokens', allowed: can('tokens'), needs: 'manage API tokens', element: <TokensTab /> },
    { path: 'nodes', label: 'Nodes', allowed: can('targets'), needs: 'see the server nodes', element: <NodesTab /> },
    { path: 'account', label: 'Account', allowed: true, needs: '', element: <AccountTab /> },
  ];
  const shown = tabs.filter((tab) => tab.allowed);
  return (
    <Page title="Settings">
      <nav aria-label="Settings" className="settings-tabs">
        <ul>
          {shown.map((tab) => (
            <li key={tab.path}>
              <NavLink to={`/settings/${tab.path}`}>{tab.label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Routes>
        <Route index element={<Navigate to={`/settings/${shown[0]?.path ?? 'account'}`} replace />} />
        {tabs.map((tab) => (
          <Route
            key={tab.path}
            path={tab.path}
            element={
              tab.allowed ? (
                tab.element
              ) : (
                <p role="alert" className="error">
                  You may not {tab.needs}: your role does not allow it.
                </p>
              )
            }
          />
        ))}
        <Route
          path="*"
          element={
            <p role="alert" className="error">
              There is no such settings page.
            </p>
          }
        />
      </Routes>
    </Page>
  );
}
