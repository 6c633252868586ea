/**
 * Which namespaced resources the API server serves right now, asked of discovery as client-go's
 * ServerPreferredNamespacedResources asks: `/api` and `/api/v1` for the core group, `/apis` for
 * the groups, then each group's preferred version (`/apis/apps/v1`, ...). Custom resources are
 * included the moment their definition is established, which is why the namespace controller
 * asks on every pass instead of using a fixed list.
 *
 * Guarantees:
 * - Subresources (`pods/status`) are left out; only resources with a namespace scope are returned.
 * - A group whose version cannot be read does not hide the others: the resources found are
 *   returned with a GroupDiscoveryFailedError naming each failed group version.
 * - If even `/api` or `/apis` cannot be read, the call throws.
 */
import type { ResourceType, Verb } from "../../api/scheme.ts";
import type { RestClient } from "../../client/rest.ts";

interface APIResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  singularName?: string;
}

interface APIResourceList {
  groupVersion: string;
  resources: APIResource[];
}

interface APIGroupList {
  groups: { name: string; preferredVersion?: { groupVersion: string; version: string } }[];
}

/** Some group versions could not be read (client-go's ErrGroupDiscoveryFailed). */
export class GroupDiscoveryFailedError extends Error {
  constructor(readonly groups: Map<string, Error>) {
    const failures = [...groups].map(([gv, error]) => `${gv}: ${error.message}`).sort();
    super(`unable to retrieve the complete list of server APIs: ${failures.join(", ")}`);
  }
}

export interface Discovered {
  resources: ResourceType[];
  /** Why discovery was incomplete (a GroupDiscoveryFailedError when only some groups failed). */
  error?: Error;
}

// #region discoverNamespacedResources
export async function discoverNamespacedResources(client: RestClient): Promise<Discovered> {
  const core = await client.request<{ versions: string[] }>("GET", "/api");
  const groups = await client.request<APIGroupList>("GET", "/apis");
  const paths = [
    ...core.versions.map((v) => ({ groupVersion: v, path: `/api/${v}` })),
    ...groups.groups.flatMap((g) =>
      g.preferredVersion
        ? [
            {
              groupVersion: g.preferredVersion.groupVersion,
              path: `/apis/${g.preferredVersion.groupVersion}`,
            },
          ]
        : [],
    ),
  ];
  const failures = new Map<string, Error>();
  const lists = await Promise.all(
    paths.map(async ({ groupVersion, path }) => {
      try {
        return await client.request<APIResourceList>("GET", path);
      } catch (error) {
        failures.set(groupVersion, error instanceof Error ? error : new Error(String(error)));
        return undefined;
      }
    }),
  );
  const resources = lists.flatMap((list) => (list ? namespacedTypes(list) : []));
  return failures.size > 0
    ? { resources, error: new GroupDiscoveryFailedError(failures) }
    : { resources };
}
// #endregion discoverNamespacedResources

/** The namespaced top-level resources of one APIResourceList, as ResourceTypes a client can use. */
function namespacedTypes(list: APIResourceList): ResourceType[] {
  const slash = list.groupVersion.indexOf("/");
  const group = slash < 0 ? "" : list.groupVersion.slice(0, slash);
  const version = list.groupVersion.slice(slash + 1);
  return list.resources
    .filter((r) => r.namespaced && !r.name.includes("/"))
    .map((r) => ({
      group,
      version,
      kind: r.kind,
      resource: r.name,
      singular: r.singularName ?? r.kind.toLowerCase(),
      shortNames: [],
      categories: [],
      namespaced: true,
      verbs: r.verbs as Verb[],
      subresources: [],
      // Only the API server uses storage keys; a client never does.
      storagePrefix: "",
    }));
}
