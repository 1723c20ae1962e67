import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { codeOf, isSignedOut } from './api/errors.js';
import { SESSION_KEY, SessionGate } from './api/session.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { LoginPage } from './pages/login-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { Layout } from './shell/layout.js';

/** Answers that will not change by asking again. */
const FINAL_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN']);

export function createQueryClient(): QueryClient {
  // A session that ended (expired, signed out elsewhere, revoked) shows the login page again,
  // instead of every screen saying it needs a token.
  const signedOut = (error: unknown) => {
    if (isSignedOut(error)) void client.invalidateQueries({ queryKey: SESSION_KEY });
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error, query) => query.queryKey[0] !== SESSION_KEY[0] && signedOut(error) }),
    mutationCache: new MutationCache({ onError: signedOut }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: (count, error) => count < 2 && !FINAL_CODES.has(codeOf(error) ?? '') && !(codeOf(error) ?? '').endsWith('_NOT_FOUND'),
      },
    },
  });
  return client;
}

/**
 * The dashboard and the frame load with the app; every other screen is its own chunk, fetched
 * when first opened, so the first page stays small.
 */
const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <DashboardPage /> },
      { path: '/deployments', lazy: async () => ({ Component: (await import('./pages/deployment/deployments-page.js')).DeploymentsPage }) },
      { path: '/deployments/:id', lazy: async () => ({ Component: (await import('./pages/deployment/deployment-page.js')).DeploymentPage }) },
      { path: '/releases/:app?', lazy: async () => ({ Component: (await import('./pages/releases/releases-page.js')).ReleasesPage }) },
      { path: '/targets', lazy: async () => ({ Component: (await import('./pages/targets/targets-page.js')).TargetsPage }) },
      { path: '/targets/:name', lazy: async () => ({ Component: (await import('./pages/targets/target-page.js')).TargetPage }) },
      { path: '/changes', lazy: async () => ({ Component: (await import('./pages/changes/changes-page.js')).ChangesPage }) },
      { path: '/changes/:id', lazy: async () => ({ Component: (await import('./pages/changes/change-page.js')).ChangePage }) },
      { path: '/policies', lazy: async () => ({ Component: (await import('./pages/policies/policies-page.js')).PoliciesPage }) },
      { path: '/patch', lazy: async () => ({ Component: (await import('./pages/patch/patch-page.js')).PatchPage }) },
      { path: '/inventory', lazy: async () => ({ Component: (await import('./pages/inventory/inventory-page.js')).InventoryPage }) },
      { path: '/inventory/:ref', lazy: async () => ({ Component: (await import('./pages/inventory/ci-page.js')).CiPage }) },
      { path: '/drift', lazy: async () => ({ Component: (await import('./pages/drift/drift-page.js')).DriftPage }) },
      { path: '/calendar', lazy: async () => ({ Component: (await import('./pages/calendar/calendar-page.js')).CalendarPage }) },
      { path: '/audit', lazy: async () => ({ Component: (await import('./pages/audit/audit-page.js')).AuditPage }) },
      { path: '/settings/*', lazy: async () => ({ Component: (await import('./pages/settings/settings-page.js')).SettingsPage }) },
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
