/** Which extension a tenant bound to one extension point of a domain (spec 479 §4.2). */
export interface DomainExtensionConfig {
  extensionId: string;
  /** "3", or "latest". Default "latest". */
  version?: string | undefined;
}

/** Where a domain finds its tenants' bindings: its own database, the registry, or memory. */
export interface DomainExtensionConfigStore {
  get(tenantId: string, domain: string, point: string): Promise<DomainExtensionConfig | undefined>;
}

/** A {@link DomainExtensionConfigStore} in memory, for tests and for domains that load bindings at start. */
export interface InMemoryConfigStore extends DomainExtensionConfigStore {
  set(tenantId: string, domain: string, point: string, config: DomainExtensionConfig): void;
  clear(tenantId: string, domain: string, point: string): void;
}

/** Creates an empty {@link InMemoryConfigStore}. */
export function createInMemoryConfigStore(): InMemoryConfigStore {
  const bindings = new Map<string, DomainExtensionConfig>();
  const key = (tenantId: string, domain: string, point: string) => JSON.stringify([tenantId, domain, point]);
  return {
    async get(tenantId, domain, point) {
      return bindings.get(key(tenantId, domain, point));
    },
    set(tenantId, domain, point, config) {
      bindings.set(key(tenantId, domain, point), { ...config });
    },
    clear(tenantId, domain, point) {
      bindings.delete(key(tenantId, domain, point));
    },
  };
}
