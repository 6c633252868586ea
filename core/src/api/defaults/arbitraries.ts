/**
 * fast-check generators of built-in objects for property tests: plausible values most of the
 * time, and now and then any JSON value in their place, as a careless or hostile client might
 * send. Shared by the defaulting and validation property tests.
 */
import fc from "fast-check";
import type { KubeObject } from "../object.ts";

type Fields = Record<string, fc.Arbitrary<unknown>>;

/** Any JSON value, small. */
const json = fc.jsonValue({ maxDepth: 2 });

/** Mostly `a`, sometimes any JSON value in its place. */
const noisy = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 5, arbitrary: a }, { weight: 1, arbitrary: json });

/** An object with any subset of the fields. */
const some = (fields: Fields) =>
  fc.record(Object.fromEntries(Object.entries(fields).map(([k, a]) => [k, noisy(a)])), {
    requiredKeys: [],
  });

const list = (a: fc.Arbitrary<unknown>) => fc.array(a, { maxLength: 3 });
const word = fc.constantFrom("", "a", "web", "Bad_Name", "x.y", "app");
const int = fc.integer({ min: -2, max: 70000 });
const quantity = fc.oneof(
  fc.constantFrom("100m", "0.5", "1Gi", "1024Mi", "1n", "2", ".5Ki", "1e3", "-1", "bogus", ""),
  fc.integer({ min: 0, max: 8 }),
);
const resourceList = fc.dictionary(
  fc.constantFrom("cpu", "memory", "example.com/gpu", "hugepages-2Mi"),
  quantity,
  {
    maxKeys: 3,
  },
);
const image = fc.constantFrom(
  "nginx",
  "nginx:latest",
  "nginx:1.27",
  "localhost:5000/app",
  "Nginx",
  "",
  " sp ",
);
const intOrString = fc.oneof(int, fc.constantFrom("25%", "http", "", "8080", "x%"));

const probe = some({
  httpGet: some({ port: intOrString, path: word, scheme: fc.constantFrom("", "HTTP", "FTP") }),
  tcpSocket: some({ port: intOrString }),
  grpc: some({ port: int, service: word }),
  timeoutSeconds: int,
  periodSeconds: int,
  successThreshold: int,
  failureThreshold: int,
});

const container = some({
  name: word,
  image,
  imagePullPolicy: fc.constantFrom("", "Always", "Sometimes"),
  ports: list(
    some({
      containerPort: int,
      hostPort: int,
      protocol: fc.constantFrom("", "TCP", "UDP", "HTTP"),
      name: word,
    }),
  ),
  env: list(
    some({
      name: word,
      value: word,
      valueFrom: some({
        fieldRef: some({
          fieldPath: fc.constantFrom("metadata.name", "spec.nodeName", "nope"),
          apiVersion: word,
        }),
      }),
    }),
  ),
  resources: some({ limits: resourceList, requests: resourceList }),
  volumeMounts: list(some({ name: word, mountPath: fc.constantFrom("/a", "/a", "", "rel") })),
  livenessProbe: probe,
  readinessProbe: probe,
  lifecycle: some({
    preStop: some({ httpGet: some({ port: intOrString }), sleep: some({ seconds: int }) }),
  }),
});

const volume = some({
  name: word,
  emptyDir: some({ sizeLimit: quantity }),
  configMap: some({ name: word, defaultMode: int }),
  secret: some({ secretName: word }),
  hostPath: some({ path: fc.constantFrom("/var", "../x", "") }),
  projected: some({
    sources: list(some({ serviceAccountToken: some({ path: word, expirationSeconds: int }) })),
  }),
});

export const podSpec = some({
  containers: list(container),
  initContainers: list(container),
  volumes: list(volume),
  restartPolicy: fc.constantFrom("", "Always", "Never", "Sometimes"),
  dnsPolicy: fc.constantFrom("", "ClusterFirst", "Bogus"),
  hostNetwork: fc.boolean(),
  terminationGracePeriodSeconds: int,
  securityContext: some({ runAsUser: int }),
  tolerations: list(
    some({
      key: word,
      operator: fc.constantFrom("", "Exists", "Equal", "Maybe"),
      value: word,
      effect: word,
    }),
  ),
  overhead: resourceList,
});

const labels = fc.dictionary(fc.constantFrom("app", "tier", "bad key"), word, { maxKeys: 2 });
const template = some({ metadata: some({ labels }), spec: podSpec });
const selector = some({
  matchLabels: labels,
  matchExpressions: list(some({ key: word, operator: word, values: list(word) })),
});

const metadata = fc.record(
  { name: word, namespace: fc.constantFrom("default", "", "Bad") },
  { requiredKeys: [] },
);

const object = (apiVersion: string, kind: string, fields: Fields): fc.Arbitrary<KubeObject> =>
  fc
    .tuple(
      metadata,
      fc.record(Object.fromEntries(Object.entries(fields).map(([k, a]) => [k, noisy(a)])), {
        requiredKeys: [],
      }),
    )
    .map(([meta, rest]) => ({ apiVersion, kind, metadata: meta, ...rest }) as KubeObject);

/** One of the built-in kinds, with a random body. */
export const builtinObject: fc.Arbitrary<KubeObject> = fc.oneof(
  object("v1", "Pod", { spec: podSpec }),
  object("apps/v1", "Deployment", {
    spec: some({
      replicas: int,
      selector,
      template,
      strategy: some({
        type: fc.constantFrom("", "RollingUpdate", "Recreate", "Blue"),
        rollingUpdate: some({ maxSurge: intOrString, maxUnavailable: intOrString }),
      }),
      progressDeadlineSeconds: int,
    }),
  }),
  object("apps/v1", "ReplicaSet", { spec: some({ replicas: int, selector, template }) }),
  object("v1", "Service", {
    spec: some({
      type: fc.constantFrom("", "ClusterIP", "NodePort", "LoadBalancer", "ExternalName", "Mesh"),
      clusterIP: fc.constantFrom("", "None", "10.96.0.10", "bogus"),
      selector: labels,
      ports: list(
        some({
          port: int,
          targetPort: intOrString,
          protocol: fc.constantFrom("", "TCP", "UDP"),
          name: word,
          nodePort: int,
        }),
      ),
      sessionAffinity: fc.constantFrom("", "None", "ClientIP"),
      sessionAffinityConfig: some({ clientIP: some({ timeoutSeconds: int }) }),
      externalIPs: list(fc.constantFrom("192.0.2.1", "x")),
      ipFamilyPolicy: fc.constantFrom("SingleStack", "PreferDualStack", "Whatever"),
    }),
    status: some({
      loadBalancer: some({ ingress: list(some({ ip: fc.constantFrom("", "192.0.2.9") })) }),
    }),
  }),
  object("v1", "Namespace", {
    spec: some({ finalizers: list(word) }),
    status: some({ phase: word }),
  }),
  object("v1", "Secret", {
    type: word,
    data: fc.dictionary(word, fc.constantFrom("eA==", "")),
    stringData: fc.dictionary(word, word),
  }),
  object("v1", "ConfigMap", { data: fc.dictionary(word, word), immutable: fc.boolean() }),
  object("v1", "LimitRange", {
    spec: some({
      limits: list(
        some({
          type: fc.constantFrom("Container", "Pod", "Bogus"),
          max: resourceList,
          min: resourceList,
          default: resourceList,
        }),
      ),
    }),
  }),
  object("v1", "ResourceQuota", { spec: some({ hard: resourceList, scopes: list(word) }) }),
  object("v1", "Node", {
    spec: some({ taints: list(some({ key: word, effect: word })) }),
    status: some({ capacity: resourceList }),
  }),
  object("v1", "Endpoints", {
    subsets: list(
      some({
        addresses: list(some({ ip: fc.constantFrom("10.0.0.1", "127.128.0.5", "x") })),
        ports: list(some({ port: int })),
      }),
    ),
  }),
  object("discovery.k8s.io/v1", "EndpointSlice", {
    addressType: fc.constantFrom("IPv4", "IPv6", "FQDN", ""),
    endpoints: list(some({ addresses: list(fc.constantFrom("10.0.0.1", "::1", "a.example.com")) })),
    ports: list(some({ port: int, name: word, protocol: fc.constantFrom("TCP", "HTTP") })),
  }),
  object("rbac.authorization.k8s.io/v1", "RoleBinding", {
    roleRef: some({ kind: word, name: word, apiGroup: word }),
    subjects: list(
      some({ kind: fc.constantFrom("User", "Group", "ServiceAccount", "Robot"), name: word }),
    ),
  }),
  object("networking.k8s.io/v1", "Ingress", {
    spec: some({
      rules: list(
        some({
          host: word,
          http: some({
            paths: list(
              some({
                path: word,
                pathType: word,
                backend: some({ service: some({ name: word }) }),
              }),
            ),
          }),
        }),
      ),
    }),
  }),
  object("networking.k8s.io/v1", "IngressClass", {
    spec: some({ controller: word, parameters: some({ kind: word, name: word }) }),
  }),
  object("scheduling.k8s.io/v1", "PriorityClass", { value: int, preemptionPolicy: word }),
);
