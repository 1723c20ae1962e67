/**
 * In-process signal that a deployment has new events or logs. Live views subscribe and then
 * read the store; the store stays the only source of truth (a missed signal only delays them
 * until their next poll).
 */
export class ProgressHub {
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly everything = new Set<(deploymentId: string) => void>();

  notify(deploymentId: string): void {
    for (const listener of this.listeners.get(deploymentId) ?? []) listener();
    for (const listener of this.everything) listener(deploymentId);
  }

  /** Every deployment's signals (the activity stream behind the dashboard). */
  subscribeAll(listener: (deploymentId: string) => void): () => void {
    this.everything.add(listener);
    return () => this.everything.delete(listener);
  }

  subscribe(deploymentId: string, listener: () => void): () => void {
    let set = this.listeners.get(deploymentId);
    if (!set) this.listeners.set(deploymentId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(deploymentId);
    };
  }
}
