/** The deployment page's queries. Everything under `deploymentKey(id)` is refreshed when the deployment moves. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { MeasurementDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';

export const deploymentKey = (id: string) => ['deployment', id] as const;
const measurementsKey = (id: string) => ['deployment', id, 'measurements'] as const;

export function useDeploymentDetail(id: string) {
  return useQuery({ queryKey: deploymentKey(id), queryFn: () => api.getDeployment(id) });
}

/** Analysis measurements; a refresh reads only those after the last one it has. */
export function useMeasurements(id: string) {
  const client = useQueryClient();
  return useQuery({
    queryKey: measurementsKey(id),
    queryFn: async () => {
      let all = client.getQueryData<MeasurementDto[]>(measurementsKey(id)) ?? [];
      for (;;) {
        const page = await api.listMeasurements(id, all.at(-1)?.seq ?? 0);
        if (page.length === 0) return all;
        all = [...all, ...page];
      }
    },
  });
}

/** Who asked for the deployment: the `by` of its first event (`deployment:queued`), which never changes. */
export function useRequestedBy(id: string) {
  return useQuery({
    queryKey: ['deployment-requested-by', id],
    queryFn: async () => {
      const events = await api.listEvents(id, 0);
      const by = events.find((event) => event.type === 'deployment:queued')?.data['by'];
      return typeof by === 'string' ? by : null;
    },
    staleTime: Infinity,
  });
}
