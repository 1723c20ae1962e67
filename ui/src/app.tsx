import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { codeOf } from './api/errors.js';
import { SessionGate } from './api/session.js';
import { AuditPage } from './pages/audit/audit-page.js';
import { CalendarPage } from './pages/calendar/calendar-page.js';
import { ChangePage } from './pages/changes/change-page.js';
import { ChangesPage } from './pages/changes/changes-page.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { DeploymentPage } from './pages/deployment/deployment-page.js';
import { DeploymentsPage } from './pages/deployment/deployments-page.js';
import { LoginPage } from './pages/login-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { ReleasesPage } from './pages/releases/releases-page.js';
import { SettingsPage } from './pages/settings/settings-page.js';
import { TargetPage } from './pages/targets/target-page.js';
import { TargetsPage } from './pages/targets/targets-page.js';
import { Layout } from './shell/layout.js';

/** Answers that will not change by asking again. */
const FINAL_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN']);

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: (count, error) => count < 2 && !FINAL_CODES.has(codeOf(error) ?? '') && !(codeOf(error) ?? '').endsWith('_NOT_FOUND'),
      },
    },
  });
}

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <DashboardPage /> },
      { path: '/deployments', element: <DeploymentsPage /> },
      { path: '/deployments/:id', element: <DeploymentPage /> },
      { path: '/releases', element: <ReleasesPage /> },
      { path: '/releases/:app', element: <ReleasesPage /> },
      { path: '/targets', element: <TargetsPage /> },
      { path: '/targets/:name', element: <TargetPage /> },
      { path: '/changes', element: <ChangesPage /> },
      { path: '/changes/:id', element: <ChangePage /> },
      { path: '/calendar', element: <CalendarPage /> },
      { path: '/audit', element: <AuditPage /> },
      { path: '/settings/*', element: <SettingsPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

export function App({ queryClient }: { queryClient: QueryClient }) {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionGate signedOut={<LoginPage />}>
        <RouterProvider router={router} />
      </SessionGate>
    </QueryClientProvider>
  );
}
