/**
 * Starting an API server from a data directory, as `tinykube up` does:
 *
 *   <dataDir>/pki/        the cluster CA and the serving certificate (pki.ts)
 *   <dataDir>/tokens.csv  a bearer token per user: admin, components, nodes (authn.ts)
 *   <dataDir>/store/      the embedded store's log and snapshots (unless etcd is used)
 *   <dataDir>/kubeconfig  the admin's kubeconfig, written once the server answers
 *
 * On first start it creates the system namespaces, their default service accounts, and the
 * bootstrap RBAC roles and bindings, as kube-apiserver's post-start hooks and the controllers
 * that normally make them would. On every start it repairs Service allocations and keeps the
 * `kubernetes` Service pointing at itself (controlplane/service-network.ts). Everything survives
 * a restart.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { KubeObject } from "../api/object.ts";
import { BUILTIN_TYPES, type ResourceType, storageKey } from "../api/scheme.ts";
import { SYSTEM_PRIORITY_CLASSES } from "../api/validate/scheduling.ts";
import { EmbeddedStore, EtcdStore, type Store } from "../store/index.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { type AdmissionPlugin, admit } from "./admission/chain.ts";
import { defaultTolerationSeconds } from "./admission/default-toleration-seconds.ts";
import { limitRanger } from "./admission/limit-ranger.ts";
import { namespaceLifecycle } from "./admission/namespace-lifecycle.ts";
import { nodeRestriction } from "./admission/node-restriction.ts";
import { priority } from "./admission/priority.ts";
import { QuotaRecalculator } from "./admission/quota-recalculator.ts";
import { rbacEscalation } from "./admission/rbac-escalation.ts";
import { resourceQuota } from "./admission/resource-quota.ts";
import { serviceAccount } from "./admission/service-account.ts";
import { authenticate, authnRequestFrom, defaultTokenUsers, ensureTokenFile } from "./authn.ts";
import { parseServiceRanges, ServiceNetwork } from "./controlplane/service-network.ts";
import { CrdController, crdStrategy } from "./crd.ts";
import { makeCodecs } from "./http/codecs.ts";
import { OpenApi } from "./http/openapi.ts";
import { serveSpecial } from "./http/special.ts";
import { buildKubeconfig, writeKubeconfigAtomically } from "./kubeconfig.ts";
import { ensureClusterPki, issueClientCertificate } from "./pki.ts";
import { authorize as rbacAuthorize } from "./rbac/authorize.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./rbac/bootstrap.ts";
import type { RbacState } from "./rbac/state.ts";
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "./rbac/types.ts";
import { strategyFor } from "./registry/strategies.ts";
import { ApiServer, type Decision, type TraceEvent } from "./server.ts";
import { Compactor } from "./storage/compactor.ts";

export interface StartApiServerOptions {
  dataDir: string;
  /** 6443 by default; 0 picks a free port. */
  port?: number;
  host?: string;
  /** The embedded store (default) or etcd endpoints ("http://127.0.0.1:2379"). */
  etcd?: string[];
  /** Sync the embedded store's log (default true). */
  fsync?: boolean;
  clock?: Clock;
  log?: (line: string) => void;
  /** Also serve HTTP/2 to clients that offer it (server.ts `listen`). Default false. */
  http2?: boolean;
  /** Watch keep-alive and bookmark intervals; tests shorten them. */
  keepAliveMs?: number;
  bookmarkIntervalMs?: number;
  /** Changes each watch cache keeps for resuming watches (10,000); chapter 3 shrinks it to show a 410. */
  watchCacheWindow?: number;
  /** Each stage of each request, for narration (chapter 2). */
  trace?: (event: TraceEvent) => void;
  /**
   * Node names to issue kubelet tokens for (users system:node:<name> in system:nodes), kept in
   * tokens.csv with the others; more can be added on a later start.
   */
  nodes?: string[];
  /** --service-cluster-ip-range: where Services' cluster IPs come from (127.96.0.0/12). */
  serviceClusterIPRange?: string;
  /** --service-node-port-range: where node ports come from (30000-32767). */
  serviceNodePortRange?: string;
  /** --etcd-compaction-interval: how often the store's history is cut (5 min; 0: never). */
  compactionIntervalMs?: number;
}

export interface RunningApiServer {
  server: ApiServer;
  store: Store;
  url: string;
  kubeconfigPath: string;
  /** The bearer token of a user from tokens.csv (admin, components, nodes). */
  tokenFor(username: string): string | undefined;
  caCertPem: string;
  stop(): Promise<void>;
}

// #region admissionPlugins
/**
 * Mutating, then validating: the order is this list's, a subset of kube-apiserver's recommended
 * order (NamespaceLifecycle, LimitRanger, ServiceAccount, ..., ResourceQuota last, so quota is
 * charged for the object every other plugin has finished with).
 */
export const ADMISSION_PLUGINS: readonly AdmissionPlugin[] = [
  namespaceLifecycle,
  limitRanger,
  serviceAccount,
  // Right after ServiceAccount, as in kube-apiserver: a kubelet may create only its mirror pods.
  nodeRestriction,
  // After ServiceAccount, before quota (kube-apiserver's order): quota may count by priority class.
  priority,
  defaultTolerationSeconds,
  rbacEscalation,
  resourceQuota,
];
// #endregion admissionPlugins

const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

const type = (group: string, resource: string) =>
  BUILTIN_TYPES.find((t) => t.group === group && t.resource === resource) as ResourceType;

export async function startApiServer(options: StartApiServerOptions): Promise<RunningApiServer> {
  const log = options.log ?? (() => {});
  const serviceRanges = parseServiceRanges(options);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const pki = await ensureClusterPki(options.dataDir);
  log(`[apiserver] certificates: CA ${pki.report.ca}, serving certificate ${pki.report.server}`);
  const tokens = await ensureTokenFile(
    options.dataDir,
    defaultTokenUsers({ nodes: options.nodes ?? [] }),
  );
  const store: Store = options.etcd
    ? await EtcdStore.connect({ endpoints: options.etcd })
    : await EmbeddedStore.open({
        dataDir: join(options.dataDir, "store"),
        fsync: options.fsync ?? true,
        ...(options.clock ? { clock: options.clock } : {}),
      });
  log(
    `[apiserver] store: ${options.etcd ? `etcd at ${options.etcd.join(",")}` : "embedded"}, revision ${await store.revision()}`,
  );

  // The API server's identity towards kubelets (kubectl logs), as kubeadm's
  // apiserver-kubelet-client certificate: in system:masters, so every kubelet lets it in.
  const kubeletClient = await issueClientCertificate(pki, {
    user: "kube-apiserver-kubelet-client",
    groups: ["system:masters"],
  });
  const kubelet = {
    caPem: pki.ca.certPem,
    certPem: kubeletClient.certPem,
    keyPem: kubeletClient.keyPem,
  };
  let server: ApiServer;
  // Built right after the server, before any Service is written: the Service registry's strategy
  // allocates through it.
  let services: ServiceNetwork;
  const rbac = (): RbacState => rbacStateOf(server);
  const authorize = async (attrs: Parameters<typeof rbacAuthorize>[0]): Promise<Decision> => {
    const decision = rbacAuthorize(attrs, rbac());
    return { allowed: decision.allowed, reason: decision.reason };
  };
  server = new ApiServer({
    store,
    ...(options.clock ? { clock: options.clock } : {}),
    authenticate: (req) => authenticate(authnRequestFrom(req), { tokens: tokens.tokens }),
    authorize,
    admission: (request, phase) => admit(ADMISSION_PLUGINS, request, phase),
    strategies: (t) =>
      t.group === "apiextensions.k8s.io" && t.resource === "customresourcedefinitions"
        ? crdStrategy
        : t.group === "" && t.resource === "services"
          ? services.strategy(t)
          : strategyFor(t),
    codecs: (s) => makeCodecs(s, openapi),
    openapi: (path) => openapi.serve(path),
    special: (ctx, s) => serveSpecial(ctx, s, authorize, kubelet),
    watchCache: {
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      windowSize: options.watchCacheWindow,
    },
    watch: { keepAliveMs: options.keepAliveMs ?? 15_000 },
    log,
    ...(options.trace ? { trace: options.trace } : {}),
  });
  const crds = new CrdController(server);
  const openapi = new OpenApi(server.scheme, crds);
  for (const resource of ["roles", "clusterroles", "rolebindings", "clusterrolebindings"]) {
    await server.cache(type("rbac.authorization.k8s.io", resource)).start();
  }
  services = new ServiceNetwork(server, {
    ...serviceRanges,
    clock: options.clock ?? realClock,
    log,
  });
  await bootstrap(server, log);
  // Kubernetes' start-service-ip-repair-controllers hook: allocations match the Services before
  // anything is served.
  await services.repair();
  await crds.start();
  // kube-apiserver's compactor: history stays about one interval long (storage/compactor.ts).
  const compactor = new Compactor({
    store,
    clock: options.clock ?? realClock,
    ...(options.compactionIntervalMs !== undefined
      ? { intervalMs: options.compactionIntervalMs }
      : {}),
    log,
  });
  compactor.start();
  // Stands in for the resourcequota controller: brings quota usage down as objects go.
  const quotas = new QuotaRecalculator(server, { log });
  await quotas.start();

  const address = await server.listen({
    port: options.port ?? 6443,
    host: options.host ?? "127.0.0.1",
    tls: { key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.ca.certPem },
    http2: options.http2 ?? false,
  });
  const url = `https://${address.address}:${address.port}`;
  const kubeconfigPath = join(options.dataDir, "kubeconfig");
  await writeKubeconfigAtomically(
    kubeconfigPath,
    buildKubeconfig({
      server: url,
      caCertPem: pki.ca.certPem,
      userName: "admin",
      credentials: { token: tokens.tokenFor("admin") as string },
    }),
  );
  // The `kubernetes` Service and its endpoints: this API server at the address and port it serves.
  await services.startKubernetesService(address);
  log(`[apiserver] serving on ${url}; kubeconfig at ${kubeconfigPath}`);
  return {
    server,
    store,
    url,
    kubeconfigPath,
    tokenFor: (username) => tokens.tokenFor(username),
    caCertPem: pki.ca.certPem,
    async stop() {
      crds.stop();
      quotas.stop();
      await compactor.stop();
      await server.close();
      // Withdraws this API server's master lease; needs only the store. (Kubernetes does it in a
      // pre-shutdown hook, just before it stops serving.)
      await services.stop();
      await store.close();
    },
  };
}

/** RBAC's four lookups, answered from the API server's own watch caches. */
function rbacStateOf(server: ApiServer): RbacState {
  const list = <T>(resource: string, namespace?: string) =>
    server.cache(type("rbac.authorization.k8s.io", resource)).list(namespace) as unknown as T[];
  // A role by its key, as the listers' Get does: every request resolves the roles of the
  // bindings that name its user, and a scan of every ClusterRole for each was a few percent of
  // a busy server's CPU.
  const get = <T>(resource: string, namespace: string | undefined, name: string) => {
    const t = type("rbac.authorization.k8s.io", resource);
    return server.cache(t).object(storageKey(t, namespace, name)) as T | undefined;
  };
  return {
    getRole: (namespace, name) => get<Role>("roles", namespace, name),
    getClusterRole: (name) => get<ClusterRole>("clusterroles", undefined, name),
    listRoleBindings: (namespace) => list<RoleBinding>("rolebindings", namespace),
    listClusterRoleBindings: () => list<ClusterRoleBinding>("clusterrolebindings"),
  };
}

// #region bootstrap
/** Creates what a new cluster starts with, skipping whatever already exists. */
async function bootstrap(server: ApiServer, log: (line: string) => void): Promise<void> {
  let created = 0;
  const ensure = async (t: ResourceType, object: KubeObject) => {
    try {
      await server.registry(t).create(object.metadata.namespace, object);
      created++;
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  };
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(type("", "namespaces"), {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name },
    });
    // The serviceaccount controller makes these in a running cluster; the first ones are ours.
    await ensure(type("", "serviceaccounts"), {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "default", namespace: name },
    });
  }
  // The system priority classes (kube-apiserver's scheduling post-start hook).
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    await ensure(type("scheduling.k8s.io", "priorityclasses"), {
      apiVersion: "scheduling.k8s.io/v1",
      kind: "PriorityClass",
      metadata: { name: pc.name },
      value: pc.value,
      // What defaulting gives a class created over HTTP; this write skips the decoder.
      preemptionPolicy: "PreemptLowerPriority",
      description: pc.description,
    });
  }
  for (const role of bootstrapClusterRoles())
    await ensure(type("rbac.authorization.k8s.io", "clusterroles"), role as KubeObject);
  for (const binding of bootstrapClusterRoleBindings()) {
    await ensure(type("rbac.authorization.k8s.io", "clusterrolebindings"), binding as KubeObject);
  }
  if (created > 0)
    log(
      `[apiserver] bootstrap: created ${created} objects (namespaces, service accounts, priority classes, RBAC defaults)`,
    );
}
// #endregion bootstrap
