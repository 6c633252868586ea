/**
 * core/v1 (k8s.io/api/core/v1) as of Kubernetes 1.32: Namespace, Pod (and Binding), Node,
 * Service, Endpoints, ConfigMap, Secret, Event, ServiceAccount, LimitRange, ResourceQuota, and
 * every type they contain.
 *
 * Shortcut: the nineteen in-tree cloud and legacy volume sources (gcePersistentDisk,
 * awsElasticBlockStore, azureDisk, cephfs, ...) are accepted as preserve-unknown objects instead
 * of being spelled out; see SIMPLIFICATIONS in ./index.ts.
 */
import {
  arr,
  bool,
  bytes,
  type GroupVersionKind,
  int,
  int64,
  intOrString,
  kind,
  listMap,
  map,
  microTime,
  obj,
  preserveUnknown,
  quantity,
  ref,
  type Schema,
  type SchemaMap,
  setList,
  str,
  time,
  withList,
} from "../schema.ts";
import { META_V1 } from "./meta-v1.ts";

export const CORE_V1 = "io.k8s.api.core.v1.";
const core = (name: string, description?: string) => ref(CORE_V1 + name, description);
const meta = (name: string, description?: string) => ref(META_V1 + name, description);
const gvk = (k: string): GroupVersionKind => ({ group: "", version: "v1", kind: k });

/** Volume sources tinykube keeps as opaque objects (see SIMPLIFICATIONS in ./index.ts). */
export const OPAQUE_VOLUME_SOURCES = [
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "cephfs",
  "cinder",
  "fc",
  "flexVolume",
  "flocker",
  "gcePersistentDisk",
  "gitRepo",
  "glusterfs",
  "iscsi",
  "photonPersistentDisk",
  "portworxVolume",
  "quobyte",
  "rbd",
  "scaleIO",
  "storageos",
  "vsphereVolume",
] as const;

const resourceList = (description?: string) => map(quantity(), description);

// --- containers -----------------------------------------------------------------------------

/** The fields a Container and an EphemeralContainer share (EphemeralContainerCommon). */
function containerFields(): Record<string, Schema> {
  return {
    args: arr(str(), "Arguments to the entrypoint; the image's CMD when not set."),
    command: arr(str(), "The entrypoint, not run in a shell; the image's ENTRYPOINT when not set."),
    env: listMap(core("EnvVar"), ["name"], {
      description: "Environment variables to set in the container.",
      mergeKey: "name",
    }),
    envFrom: arr(
      core("EnvFromSource"),
      "ConfigMaps and Secrets whose keys all become environment variables.",
    ),
    image: str("The container image to run, e.g. nginx:1.27."),
    imagePullPolicy: str(
      "Always, IfNotPresent or Never. Defaults to Always for :latest, IfNotPresent otherwise.",
    ),
    lifecycle: core("Lifecycle", "Hooks run right after start and before stop."),
    livenessProbe: core("Probe", "Restart the container when this check keeps failing."),
    name: str("Name of the container, unique within the pod (a DNS label)."),
    ports: listMap(core("ContainerPort"), ["containerPort", "protocol"], {
      description: "Ports the container listens on (informational; all ports are reachable).",
      mergeKey: "containerPort",
    }),
    readinessProbe: core("Probe", "Take the pod out of Service endpoints while this check fails."),
    resizePolicy: arr(
      core("ContainerResizePolicy"),
      "Whether changing a resource in place needs a restart.",
    ),
    resources: core("ResourceRequirements", "CPU and memory requests and limits."),
    restartPolicy: str(
      'Only for init containers: "Always" makes it a sidecar that keeps running beside the app.',
    ),
    securityContext: core(
      "SecurityContext",
      "User, capabilities and other security settings of this container.",
    ),
    startupProbe: core("Probe", "Hold off the other probes until this check first succeeds."),
    stdin: bool("Keep a stdin buffer open for the container."),
    stdinOnce: bool("Close stdin after the first attach ends."),
    terminationMessagePath: str("File whose content becomes the termination message."),
    terminationMessagePolicy: str("File, or FallbackToLogsOnError."),
    tty: bool("Allocate a TTY (needs stdin)."),
    volumeDevices: listMap(core("VolumeDevice"), ["devicePath"], {
      description: "Raw block devices to expose in the container.",
      mergeKey: "devicePath",
    }),
    volumeMounts: listMap(core("VolumeMount"), ["mountPath"], {
      description: "Pod volumes to mount into the container's filesystem.",
      mergeKey: "mountPath",
    }),
    workingDir: str("The working directory; the image's default when not set."),
  };
}

const containers: SchemaMap = {
  Container: obj(containerFields(), {
    required: ["name"],
    description: "One application container of a pod: the image to run and how.",
  }),
  EphemeralContainer: obj(
    {
      ...containerFields(),
      targetContainerName: str("The container whose namespaces this one joins."),
    },
    {
      required: ["name"],
      description: "A temporary container added to a running pod for debugging.",
    },
  ),
  ContainerPort: obj(
    {
      containerPort: int("The port number inside the pod (1-65535)."),
      hostIP: str("Host address to bind a host port to."),
      hostPort: int("Also expose the port on the node at this number."),
      name: str("A name Services can refer to (an IANA service name)."),
      protocol: str("TCP (default), UDP or SCTP."),
    },
    { required: ["containerPort"] },
  ),
  EnvVar: obj(
    {
      name: str("The variable's name."),
      value: str("A literal value; $(OTHER) references are expanded."),
      valueFrom: core("EnvVarSource", "Take the value from a ConfigMap, Secret or field instead."),
    },
    { required: ["name"] },
  ),
  EnvVarSource: obj({
    configMapKeyRef: core("ConfigMapKeySelector", "A key of a ConfigMap."),
    fieldRef: core("ObjectFieldSelector", "A field of the pod, e.g. metadata.name."),
    resourceFieldRef: core("ResourceFieldSelector", "A resource request or limit."),
    secretKeyRef: core("SecretKeySelector", "A key of a Secret."),
  }),
  EnvFromSource: obj({
    configMapRef: core("ConfigMapEnvSource"),
    prefix: str("Prepended to every variable name."),
    secretRef: core("SecretEnvSource"),
  }),
  ConfigMapEnvSource: obj({ name: str(), optional: bool() }),
  SecretEnvSource: obj({ name: str(), optional: bool() }),
  ConfigMapKeySelector: obj(
    { key: str(), name: str(), optional: bool() },
    { required: ["key"], mapType: "atomic" },
  ),
  SecretKeySelector: obj(
    { key: str(), name: str(), optional: bool() },
    { required: ["key"], mapType: "atomic" },
  ),
  ObjectFieldSelector: obj(
    { apiVersion: str(), fieldPath: str("Path of the field, e.g. status.podIP.") },
    { required: ["fieldPath"], mapType: "atomic" },
  ),
  ResourceFieldSelector: obj(
    {
      containerName: str(),
      divisor: quantity("Unit to express the value in."),
      resource: str("limits.cpu, requests.memory, ..."),
    },
    { required: ["resource"], mapType: "atomic" },
  ),
  ResourceRequirements: obj({
    claims: listMap(core("ResourceClaim"), ["name"], {
      description: "Dynamic resource claims of the pod this container uses.",
    }),
    limits: resourceList("The most the container may use (cpu, memory, ...)."),
    requests: resourceList("What the scheduler reserves for the container."),
  }),
  ResourceClaim: obj({ name: str(), request: str() }, { required: ["name"] }),
  ContainerResizePolicy: obj(
    { resourceName: str("cpu or memory."), restartPolicy: str("NotRequired or RestartContainer.") },
    { required: ["resourceName", "restartPolicy"] },
  ),
  VolumeMount: obj(
    {
      mountPath: str("Where the volume appears in the container."),
      mountPropagation: str("None, HostToContainer or Bidirectional."),
      name: str("Name of a volume of the pod."),
      readOnly: bool("Mount read-only."),
      recursiveReadOnly: str("Disabled, IfPossible or Enabled."),
      subPath: str("Mount only this path inside the volume."),
      subPathExpr: str("Like subPath, with $(VAR) expansion."),
    },
    { required: ["name", "mountPath"] },
  ),
  VolumeDevice: obj({ devicePath: str(), name: str() }, { required: ["name", "devicePath"] }),
  Probe: obj(
    {
      exec: core("ExecAction", "Run a command in the container; exit code 0 passes."),
      failureThreshold: int("Consecutive failures before the probe counts as failed (3)."),
      grpc: core("GRPCAction", "Call the gRPC health service."),
      httpGet: core("HTTPGetAction", "GET a URL; a 2xx or 3xx status passes."),
      initialDelaySeconds: int("Seconds after start before the first probe."),
      periodSeconds: int("Seconds between probes (10)."),
      successThreshold: int("Consecutive successes to pass again after failing (1)."),
      tcpSocket: core("TCPSocketAction", "Open a TCP connection; connecting passes."),
      terminationGracePeriodSeconds: int64("Grace period when a failed probe kills the pod."),
      timeoutSeconds: int("Seconds before one probe times out (1)."),
    },
    { description: "A health check the kubelet runs against a container." },
  ),
  ExecAction: obj({ command: arr(str(), "The command and its arguments.") }),
  HTTPGetAction: obj(
    {
      host: str("Host to connect to; the pod IP by default."),
      httpHeaders: arr(core("HTTPHeader"), "Extra request headers."),
      path: str("The path to request."),
      port: intOrString("Port number or container port name."),
      scheme: str("HTTP (default) or HTTPS."),
    },
    { required: ["port"] },
  ),
  HTTPHeader: obj({ name: str(), value: str() }, { required: ["name", "value"] }),
  TCPSocketAction: obj(
    { host: str(), port: intOrString("Port number or container port name.") },
    { required: ["port"] },
  ),
  GRPCAction: obj(
    { port: int(), service: str("The service name sent in the health check request.") },
    { required: ["port"] },
  ),
  Lifecycle: obj({
    postStart: core("LifecycleHandler", "Runs right after the container starts."),
    preStop: core("LifecycleHandler", "Runs before the container is stopped."),
  }),
  LifecycleHandler: obj({
    exec: core("ExecAction"),
    httpGet: core("HTTPGetAction"),
    sleep: core("SleepAction"),
    tcpSocket: core("TCPSocketAction"),
  }),
  SleepAction: obj({ seconds: int64() }, { required: ["seconds"] }),
  SecurityContext: obj(
    {
      allowPrivilegeEscalation: bool("Whether a process may gain more privileges than its parent."),
      appArmorProfile: core("AppArmorProfile"),
      capabilities: core("Capabilities", "Linux capabilities to add and drop."),
      privileged: bool("Run as privileged: like root on the host."),
      procMount: str("Default or Unmasked."),
      readOnlyRootFilesystem: bool("Mount the container's root filesystem read-only."),
      runAsGroup: int64("GID of the container's process."),
      runAsNonRoot: bool("Refuse to start if the process would run as UID 0."),
      runAsUser: int64("UID of the container's process."),
      seLinuxOptions: core("SELinuxOptions"),
      seccompProfile: core("SeccompProfile"),
      windowsOptions: core("WindowsSecurityContextOptions"),
    },
    { description: "Security settings of one container; they override the pod's." },
  ),
  Capabilities: obj({ add: arr(str()), drop: arr(str()) }),
  SELinuxOptions: obj({ level: str(), role: str(), type: str(), user: str() }),
  SeccompProfile: obj(
    { localhostProfile: str(), type: str("RuntimeDefault, Unconfined or Localhost.") },
    { required: ["type"] },
  ),
  AppArmorProfile: obj(
    { localhostProfile: str(), type: str("RuntimeDefault, Unconfined or Localhost.") },
    { required: ["type"] },
  ),
  WindowsSecurityContextOptions: obj({
    gmsaCredentialSpec: str(),
    gmsaCredentialSpecName: str(),
    hostProcess: bool(),
    runAsUserName: str(),
  }),
};

// --- volumes --------------------------------------------------------------------------------

function volumeSourceFields(): Record<string, Schema> {
  const fields: Record<string, Schema> = {
    configMap: core("ConfigMapVolumeSource", "Files from the keys of a ConfigMap."),
    csi: core("CSIVolumeSource", "A volume from a CSI driver."),
    downwardAPI: core("DownwardAPIVolumeSource", "Files with fields of the pod itself."),
    emptyDir: core("EmptyDirVolumeSource", "An empty directory that lives as long as the pod."),
    ephemeral: core("EphemeralVolumeSource", "A PersistentVolumeClaim made for this pod."),
    hostPath: core("HostPathVolumeSource", "A file or directory of the node."),
    image: core("ImageVolumeSource", "The content of an OCI image, read-only."),
    nfs: core("NFSVolumeSource", "An NFS share."),
    persistentVolumeClaim: core(
      "PersistentVolumeClaimVolumeSource",
      "The volume bound to a PersistentVolumeClaim.",
    ),
    projected: core("ProjectedVolumeSource", "Several sources merged into one directory."),
    secret: core("SecretVolumeSource", "Files from the keys of a Secret."),
  };
  for (const name of OPAQUE_VOLUME_SOURCES) {
    fields[name] = preserveUnknown("An in-tree volume source tinykube does not spell out.");
  }
  return fields;
}

const volumes: SchemaMap = {
  Volume: obj(
    { name: str("Name the containers' volumeMounts refer to."), ...volumeSourceFields() },
    {
      required: ["name"],
      description: "A named volume of the pod; exactly one source field is set.",
    },
  ),
  ConfigMapVolumeSource: obj({
    defaultMode: int("Permission bits of the files (0644)."),
    items: arr(core("KeyToPath"), "Only these keys, at these paths."),
    name: str("Name of the ConfigMap."),
    optional: bool("Start the pod even if the ConfigMap is missing."),
  }),
  SecretVolumeSource: obj({
    defaultMode: int("Permission bits of the files (0644)."),
    items: arr(core("KeyToPath"), "Only these keys, at these paths."),
    optional: bool("Start the pod even if the Secret is missing."),
    secretName: str("Name of the Secret."),
  }),
  KeyToPath: obj(
    { key: str(), mode: int(), path: str("Relative path of the file.") },
    { required: ["key", "path"] },
  ),
  EmptyDirVolumeSource: obj({
    medium: str('"" for the node\'s disk, or Memory for a tmpfs.'),
    sizeLimit: quantity("The most the directory may hold."),
  }),
  HostPathVolumeSource: obj(
    {
      path: str("Path on the node."),
      type: str("What must be there: Directory, File, DirectoryOrCreate, ..."),
    },
    { required: ["path"] },
  ),
  PersistentVolumeClaimVolumeSource: obj(
    { claimName: str("Name of the claim, in the pod's namespace."), readOnly: bool() },
    { required: ["claimName"] },
  ),
  NFSVolumeSource: obj(
    { path: str(), readOnly: bool(), server: str() },
    { required: ["server", "path"] },
  ),
  CSIVolumeSource: obj(
    {
      driver: str(),
      fsType: str(),
      nodePublishSecretRef: core("LocalObjectReference"),
      readOnly: bool(),
      volumeAttributes: map(str()),
    },
    { required: ["driver"] },
  ),
  ImageVolumeSource: obj({
    pullPolicy: str("Always, Never or IfNotPresent."),
    reference: str("The image reference."),
  }),
  DownwardAPIVolumeSource: obj({
    defaultMode: int(),
    items: arr(core("DownwardAPIVolumeFile")),
  }),
  DownwardAPIVolumeFile: obj(
    {
      fieldRef: core("ObjectFieldSelector"),
      mode: int(),
      path: str(),
      resourceFieldRef: core("ResourceFieldSelector"),
    },
    { required: ["path"] },
  ),
  ProjectedVolumeSource: obj({
    defaultMode: int(),
    sources: arr(core("VolumeProjection"), "The sources to merge."),
  }),
  VolumeProjection: obj({
    clusterTrustBundle: core("ClusterTrustBundleProjection"),
    configMap: core("ConfigMapProjection"),
    downwardAPI: core("DownwardAPIProjection"),
    secret: core("SecretProjection"),
    serviceAccountToken: core("ServiceAccountTokenProjection"),
  }),
  ConfigMapProjection: obj({ items: arr(core("KeyToPath")), name: str(), optional: bool() }),
  SecretProjection: obj({ items: arr(core("KeyToPath")), name: str(), optional: bool() }),
  DownwardAPIProjection: obj({ items: arr(core("DownwardAPIVolumeFile")) }),
  ServiceAccountTokenProjection: obj(
    {
      audience: str("Who the token is meant for."),
      expirationSeconds: int64("Requested lifetime of the token."),
      path: str(),
    },
    { required: ["path"] },
  ),
  ClusterTrustBundleProjection: obj(
    {
      labelSelector: meta("LabelSelector"),
      name: str(),
      optional: bool(),
      path: str(),
      signerName: str(),
    },
    { required: ["path"] },
  ),
  EphemeralVolumeSource: obj({ volumeClaimTemplate: core("PersistentVolumeClaimTemplate") }),
  PersistentVolumeClaimTemplate: obj(
    { metadata: meta("ObjectMeta"), spec: core("PersistentVolumeClaimSpec") },
    { required: ["spec"] },
  ),
  PersistentVolumeClaimSpec: obj({
    accessModes: arr(str(), "ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod."),
    dataSource: core("TypedLocalObjectReference"),
    dataSourceRef: core("TypedObjectReference"),
    resources: core("VolumeResourceRequirements"),
    selector: meta("LabelSelector"),
    storageClassName: str(),
    volumeAttributesClassName: str(),
    volumeMode: str("Filesystem or Block."),
    volumeName: str(),
  }),
  VolumeResourceRequirements: obj({ limits: resourceList(), requests: resourceList() }),
  TypedLocalObjectReference: obj(
    { apiGroup: str(), kind: str(), name: str() },
    { required: ["kind", "name"], mapType: "atomic" },
  ),
  TypedObjectReference: obj(
    { apiGroup: str(), kind: str(), name: str(), namespace: str() },
    { required: ["kind", "name"] },
  ),
};

// --- scheduling -----------------------------------------------------------------------------

const scheduling: SchemaMap = {
  Affinity: obj({
    nodeAffinity: core("NodeAffinity", "Which nodes the pod may or prefers to run on."),
    podAffinity: core("PodAffinity", "Run near pods that match."),
    podAntiAffinity: core("PodAntiAffinity", "Run away from pods that match."),
  }),
  NodeAffinity: obj({
    preferredDuringSchedulingIgnoredDuringExecution: arr(
      core("PreferredSchedulingTerm"),
      "Weighted preferences the scheduler adds to a node's score.",
    ),
    requiredDuringSchedulingIgnoredDuringExecution: core(
      "NodeSelector",
      "Rules a node must meet for the pod to be scheduled there.",
    ),
  }),
  NodeSelector: obj(
    { nodeSelectorTerms: arr(core("NodeSelectorTerm"), "Terms ORed together.") },
    { required: ["nodeSelectorTerms"], mapType: "atomic" },
  ),
  NodeSelectorTerm: obj(
    {
      matchExpressions: arr(core("NodeSelectorRequirement"), "Requirements on node labels."),
      matchFields: arr(core("NodeSelectorRequirement"), "Requirements on node fields."),
    },
    { mapType: "atomic" },
  ),
  NodeSelectorRequirement: obj(
    {
      key: str(),
      operator: str("In, NotIn, Exists, DoesNotExist, Gt or Lt."),
      values: arr(str()),
    },
    { required: ["key", "operator"] },
  ),
  PreferredSchedulingTerm: obj(
    { preference: core("NodeSelectorTerm"), weight: int("1-100.") },
    { required: ["weight", "preference"] },
  ),
  PodAffinity: obj({
    preferredDuringSchedulingIgnoredDuringExecution: arr(core("WeightedPodAffinityTerm")),
    requiredDuringSchedulingIgnoredDuringExecution: arr(core("PodAffinityTerm")),
  }),
  PodAntiAffinity: obj({
    preferredDuringSchedulingIgnoredDuringExecution: arr(core("WeightedPodAffinityTerm")),
    requiredDuringSchedulingIgnoredDuringExecution: arr(core("PodAffinityTerm")),
  }),
  PodAffinityTerm: obj(
    {
      labelSelector: meta("LabelSelector", "Which pods to be near (or away from)."),
      matchLabelKeys: arr(str()),
      mismatchLabelKeys: arr(str()),
      namespaceSelector: meta("LabelSelector"),
      namespaces: arr(str()),
      topologyKey: str("Node label that defines 'near': kubernetes.io/hostname, a zone, ..."),
    },
    { required: ["topologyKey"] },
  ),
  WeightedPodAffinityTerm: obj(
    { podAffinityTerm: core("PodAffinityTerm"), weight: int("1-100.") },
    { required: ["weight", "podAffinityTerm"] },
  ),
  Toleration: obj(
    {
      effect: str("NoSchedule, PreferNoSchedule or NoExecute; empty matches all."),
      key: str("The taint key; empty with Exists matches every taint."),
      operator: str("Equal (default) or Exists."),
      tolerationSeconds: int64("For NoExecute: how long the pod stays once tainted."),
      value: str(),
    },
    { description: "Lets a pod be scheduled onto (or stay on) a node with a matching taint." },
  ),
  TopologySpreadConstraint: obj(
    {
      labelSelector: meta("LabelSelector", "The pods to count."),
      matchLabelKeys: arr(str()),
      maxSkew: int("The most the count may differ between two domains."),
      minDomains: int(),
      nodeAffinityPolicy: str("Honor or Ignore."),
      nodeTaintsPolicy: str("Honor or Ignore."),
      topologyKey: str("Node label whose values are the domains."),
      whenUnsatisfiable: str("DoNotSchedule or ScheduleAnyway."),
    },
    { required: ["maxSkew", "topologyKey", "whenUnsatisfiable"] },
  ),
};

// --- pods -----------------------------------------------------------------------------------

const pods: SchemaMap = {
  PodSpec: obj(
    {
      activeDeadlineSeconds: int64("Seconds the pod may run before it is failed."),
      affinity: core("Affinity", "Node and pod affinity rules for scheduling."),
      automountServiceAccountToken: bool("Mount the service account's API token."),
      containers: listMap(core("Container"), ["name"], {
        description: "The containers of the pod; at least one.",
        mergeKey: "name",
      }),
      dnsConfig: core("PodDNSConfig", "Extra DNS settings merged into the pod's resolv.conf."),
      dnsPolicy: str("ClusterFirst (default), ClusterFirstWithHostNet, Default or None."),
      enableServiceLinks: bool("Put Service addresses into environment variables (true)."),
      ephemeralContainers: listMap(core("EphemeralContainer"), ["name"], {
        description: "Debug containers added through the ephemeralcontainers subresource.",
        mergeKey: "name",
      }),
      hostAliases: listMap(core("HostAlias"), ["ip"], {
        description: "Extra /etc/hosts entries.",
        mergeKey: "ip",
      }),
      hostIPC: bool("Use the node's IPC namespace."),
      hostNetwork: bool("Use the node's network namespace."),
      hostPID: bool("Use the node's PID namespace."),
      hostUsers: bool("Use the node's user namespace (true)."),
      hostname: str("The pod's hostname; the pod name by default."),
      imagePullSecrets: listMap(core("LocalObjectReference"), ["name"], {
        description: "Secrets with registry credentials to pull the images.",
        mergeKey: "name",
      }),
      initContainers: listMap(core("Container"), ["name"], {
        description: "Containers that run to completion, one after another, before the others.",
        mergeKey: "name",
      }),
      nodeName: str("The node the pod is bound to; set by the scheduler."),
      nodeSelector: {
        ...map(str(), "Labels a node must have for the pod to run there."),
        "x-kubernetes-map-type": "atomic",
      },
      os: core("PodOS"),
      overhead: resourceList("Resources the pod's sandbox uses, from its RuntimeClass."),
      preemptionPolicy: str("PreemptLowerPriority (default) or Never."),
      priority: int("The pod's priority, from its PriorityClass."),
      priorityClassName: str("Name of the PriorityClass."),
      readinessGates: arr(core("PodReadinessGate"), "Extra conditions for readiness."),
      resourceClaims: listMap(core("PodResourceClaim"), ["name"], {
        description: "Dynamic resource claims of the pod.",
        mergeKey: "name",
        strategy: "merge,retainKeys",
      }),
      resources: core("ResourceRequirements", "Pod-level requests and limits (alpha)."),
      restartPolicy: str("Always (default), OnFailure or Never."),
      runtimeClassName: str("The RuntimeClass to run the pod with."),
      schedulerName: str("The scheduler that places the pod (default-scheduler)."),
      schedulingGates: listMap(core("PodSchedulingGate"), ["name"], {
        description: "While any gate is present, the pod is not scheduled.",
        mergeKey: "name",
      }),
      securityContext: core("PodSecurityContext", "Security settings for all containers."),
      serviceAccount: str("Deprecated: use serviceAccountName."),
      serviceAccountName: str("The ServiceAccount the pod runs as."),
      setHostnameAsFQDN: bool(),
      shareProcessNamespace: bool("One PID namespace for all containers of the pod."),
      subdomain: str("With hostname, gives the pod a DNS name under a headless Service."),
      terminationGracePeriodSeconds: int64(
        "Seconds between SIGTERM and SIGKILL when the pod is deleted (30).",
      ),
      tolerations: arr(core("Toleration"), "Taints the pod tolerates."),
      topologySpreadConstraints: listMap(
        core("TopologySpreadConstraint"),
        ["topologyKey", "whenUnsatisfiable"],
        {
          description: "How to spread the pod's replicas across zones, nodes, ...",
          mergeKey: "topologyKey",
        },
      ),
      volumes: listMap(core("Volume"), ["name"], {
        description: "Volumes the containers can mount.",
        mergeKey: "name",
        strategy: "merge,retainKeys",
      }),
    },
    {
      required: ["containers"],
      description: "The desired state of a pod: its containers, volumes and scheduling rules.",
    },
  ),
  PodSecurityContext: obj(
    {
      appArmorProfile: core("AppArmorProfile"),
      fsGroup: int64("Group that owns the pod's volumes."),
      fsGroupChangePolicy: str("OnRootMismatch or Always."),
      runAsGroup: int64(),
      runAsNonRoot: bool(),
      runAsUser: int64(),
      seLinuxChangePolicy: str("MountOption or Recursive."),
      seLinuxOptions: core("SELinuxOptions"),
      seccompProfile: core("SeccompProfile"),
      supplementalGroups: arr(int64()),
      supplementalGroupsPolicy: str("Merge or Strict."),
      sysctls: arr(core("Sysctl")),
      windowsOptions: core("WindowsSecurityContextOptions"),
    },
    { description: "Security settings that apply to every container of the pod." },
  ),
  Sysctl: obj({ name: str(), value: str() }, { required: ["name", "value"] }),
  PodDNSConfig: obj({
    nameservers: arr(str()),
    options: arr(core("PodDNSConfigOption")),
    searches: arr(str()),
  }),
  PodDNSConfigOption: obj({ name: str(), value: str() }),
  HostAlias: obj({ hostnames: arr(str()), ip: str() }, { required: ["ip"] }),
  PodOS: obj({ name: str("linux or windows.") }, { required: ["name"] }),
  PodReadinessGate: obj({ conditionType: str() }, { required: ["conditionType"] }),
  PodSchedulingGate: obj({ name: str() }, { required: ["name"] }),
  PodResourceClaim: obj(
    { name: str(), resourceClaimName: str(), resourceClaimTemplateName: str() },
    { required: ["name"] },
  ),
  LocalObjectReference: obj({ name: str("Name of the object.") }, { mapType: "atomic" }),
  PodTemplateSpec: obj(
    {
      metadata: meta("ObjectMeta", "Labels and annotations of the pods made from the template."),
      spec: core("PodSpec", "The spec of the pods made from the template."),
    },
    { description: "The template controllers make pods from." },
  ),
  PodStatus: obj(
    {
      conditions: listMap(core("PodCondition"), ["type"], {
        description: "PodScheduled, Initialized, ContainersReady, Ready, ...",
        mergeKey: "type",
      }),
      containerStatuses: arr(core("ContainerStatus"), "One entry per container."),
      ephemeralContainerStatuses: arr(core("ContainerStatus")),
      hostIP: str("Address of the node the pod runs on."),
      hostIPs: arr(core("HostIP"), { mergeKey: "ip" }),
      initContainerStatuses: arr(core("ContainerStatus")),
      message: str(),
      nominatedNodeName: str("The node a preempting pod is waiting for."),
      phase: str("Pending, Running, Succeeded, Failed or Unknown."),
      podIP: str("The pod's address."),
      podIPs: listMap(core("PodIP"), ["ip"], { mergeKey: "ip" }),
      qosClass: str("Guaranteed, Burstable or BestEffort."),
      reason: str(),
      resize: str("Progress of an in-place resize."),
      resourceClaimStatuses: listMap(core("PodResourceClaimStatus"), ["name"], {
        mergeKey: "name",
        strategy: "merge,retainKeys",
      }),
      startTime: time("When the kubelet accepted the pod."),
    },
    { description: "The observed state of a pod, written by the kubelet and the scheduler." },
  ),
  PodCondition: obj(
    {
      lastProbeTime: time(),
      lastTransitionTime: time(),
      message: str(),
      reason: str(),
      status: str("True, False or Unknown."),
      type: str(),
    },
    { required: ["type", "status"] },
  ),
  PodIP: obj({ ip: str() }, { required: ["ip"] }),
  HostIP: obj({ ip: str() }, { required: ["ip"] }),
  PodResourceClaimStatus: obj({ name: str(), resourceClaimName: str() }, { required: ["name"] }),
  ContainerStatus: obj(
    {
      allocatedResources: resourceList(),
      allocatedResourcesStatus: listMap(core("ResourceStatus"), ["name"], {
        mergeKey: "name",
      }),
      containerID: str("<runtime>://<id>."),
      image: str(),
      imageID: str(),
      lastState: core("ContainerState", "The state before the last restart."),
      name: str(),
      ready: bool("Whether the readiness probe passes."),
      resources: core("ResourceRequirements"),
      restartCount: int(),
      started: bool(),
      state: core("ContainerState", "Waiting, running or terminated, with details."),
      user: core("ContainerUser"),
      volumeMounts: listMap(core("VolumeMountStatus"), ["mountPath"], {
        mergeKey: "mountPath",
      }),
    },
    { required: ["name", "ready", "restartCount", "image", "imageID"] },
  ),
  ContainerState: obj({
    running: core("ContainerStateRunning"),
    terminated: core("ContainerStateTerminated"),
    waiting: core("ContainerStateWaiting"),
  }),
  ContainerStateRunning: obj({ startedAt: time() }),
  ContainerStateTerminated: obj(
    {
      containerID: str(),
      exitCode: int(),
      finishedAt: time(),
      message: str(),
      reason: str(),
      signal: int(),
      startedAt: time(),
    },
    { required: ["exitCode"] },
  ),
  ContainerStateWaiting: obj({
    message: str(),
    reason: str("ContainerCreating, ErrImagePull, ImagePullBackOff, CrashLoopBackOff, ..."),
  }),
  ContainerUser: obj({ linux: core("LinuxContainerUser") }),
  LinuxContainerUser: obj(
    { gid: int64(), supplementalGroups: arr(int64()), uid: int64() },
    { required: ["uid", "gid"] },
  ),
  VolumeMountStatus: obj(
    { mountPath: str(), name: str(), readOnly: bool(), recursiveReadOnly: str() },
    { required: ["name", "mountPath"] },
  ),
  ResourceStatus: obj(
    {
      name: str(),
      resources: listMap(core("ResourceHealth"), ["resourceID"]),
    },
    { required: ["name"] },
  ),
  ResourceHealth: obj({ health: str(), resourceID: str() }, { required: ["resourceID"] }),
  ObjectReference: obj(
    {
      apiVersion: str(),
      fieldPath: str("A part of the object, e.g. spec.containers{app}."),
      kind: str(),
      name: str(),
      namespace: str(),
      resourceVersion: str(),
      uid: str(),
    },
    { mapType: "atomic", description: "Points at any object." },
  ),
};

// --- nodes ----------------------------------------------------------------------------------

const nodes: SchemaMap = {
  NodeSpec: obj(
    {
      configSource: core("NodeConfigSource", "Deprecated."),
      externalID: str("Deprecated."),
      podCIDR: str("The pod address range of this node."),
      podCIDRs: setList(str(), { strategy: "merge" }),
      providerID: str(),
      taints: arr(core("Taint"), "Taints that repel pods without a matching toleration."),
      unschedulable: bool("Cordoned: no new pods are scheduled here."),
    },
    { description: "How the node is configured for scheduling." },
  ),
  Taint: obj(
    {
      effect: str("NoSchedule, PreferNoSchedule or NoExecute."),
      key: str(),
      timeAdded: time(),
      value: str(),
    },
    { required: ["key", "effect"] },
  ),
  NodeConfigSource: obj({ configMap: core("ConfigMapNodeConfigSource") }),
  ConfigMapNodeConfigSource: obj(
    {
      kubeletConfigKey: str(),
      name: str(),
      namespace: str(),
      resourceVersion: str(),
      uid: str(),
    },
    { required: ["namespace", "name", "kubeletConfigKey"] },
  ),
  NodeStatus: obj(
    {
      addresses: arr(core("NodeAddress"), {
        description: "InternalIP, Hostname, ... of the node.",
        mergeKey: "type",
      }),
      allocatable: resourceList("What pods may use: capacity minus reservations."),
      capacity: resourceList("The node's total resources."),
      conditions: listMap(core("NodeCondition"), ["type"], {
        description: "Ready, MemoryPressure, DiskPressure, PIDPressure, ...",
        mergeKey: "type",
      }),
      config: core("NodeConfigStatus"),
      daemonEndpoints: core("NodeDaemonEndpoints", "Where the kubelet listens."),
      features: core("NodeFeatures"),
      images: arr(core("ContainerImage")),
      nodeInfo: core("NodeSystemInfo"),
      phase: str("Deprecated."),
      runtimeHandlers: arr(core("NodeRuntimeHandler")),
      volumesAttached: arr(core("AttachedVolume")),
      volumesInUse: arr(str()),
    },
    { description: "The observed state of a node, reported by its kubelet." },
  ),
  NodeAddress: obj({ address: str(), type: str() }, { required: ["type", "address"] }),
  NodeCondition: obj(
    {
      lastHeartbeatTime: time(),
      lastTransitionTime: time(),
      message: str(),
      reason: str(),
      status: str(),
      type: str(),
    },
    { required: ["type", "status"] },
  ),
  NodeConfigStatus: obj({
    active: core("NodeConfigSource"),
    assigned: core("NodeConfigSource"),
    error: str(),
    lastKnownGood: core("NodeConfigSource"),
  }),
  NodeDaemonEndpoints: obj({ kubeletEndpoint: core("DaemonEndpoint") }),
  DaemonEndpoint: obj({ Port: int() }, { required: ["Port"] }),
  NodeFeatures: obj({ supplementalGroupsPolicy: bool() }),
  ContainerImage: obj({ names: arr(str()), sizeBytes: int64() }),
  NodeSystemInfo: obj(
    {
      architecture: str(),
      bootID: str(),
      containerRuntimeVersion: str(),
      kernelVersion: str(),
      kubeProxyVersion: str(),
      kubeletVersion: str(),
      machineID: str(),
      operatingSystem: str(),
      osImage: str(),
      systemUUID: str(),
    },
    {
      required: [
        "machineID",
        "systemUUID",
        "bootID",
        "kernelVersion",
        "osImage",
        "containerRuntimeVersion",
        "kubeletVersion",
        "kubeProxyVersion",
        "operatingSystem",
        "architecture",
      ],
    },
  ),
  NodeRuntimeHandler: obj({ features: core("NodeRuntimeHandlerFeatures"), name: str() }),
  NodeRuntimeHandlerFeatures: obj({ recursiveReadOnlyMounts: bool(), userNamespaces: bool() }),
  AttachedVolume: obj({ devicePath: str(), name: str() }, { required: ["name", "devicePath"] }),
};

// --- services and endpoints -----------------------------------------------------------------

const services: SchemaMap = {
  ServiceSpec: obj(
    {
      allocateLoadBalancerNodePorts: bool(),
      clusterIP: str("The virtual IP; None makes a headless Service."),
      clusterIPs: arr(str()),
      externalIPs: arr(str()),
      externalName: str("For type ExternalName: the DNS name the Service aliases."),
      externalTrafficPolicy: str("Cluster or Local."),
      healthCheckNodePort: int(),
      internalTrafficPolicy: str("Cluster or Local."),
      ipFamilies: arr(str()),
      ipFamilyPolicy: str("SingleStack, PreferDualStack or RequireDualStack."),
      loadBalancerClass: str(),
      loadBalancerIP: str("Deprecated."),
      loadBalancerSourceRanges: arr(str()),
      ports: listMap(core("ServicePort"), ["port", "protocol"], {
        description: "The ports the Service exposes.",
        mergeKey: "port",
      }),
      publishNotReadyAddresses: bool("Include pods that are not ready in DNS and endpoints."),
      selector: {
        ...map(str(), "Labels of the pods that receive the traffic."),
        "x-kubernetes-map-type": "atomic",
      },
      sessionAffinity: str("None or ClientIP."),
      sessionAffinityConfig: core("SessionAffinityConfig"),
      trafficDistribution: str("PreferClose: prefer endpoints in the same zone."),
      type: str("ClusterIP (default), NodePort, LoadBalancer or ExternalName."),
    },
    { description: "How the Service exposes which pods." },
  ),
  ServicePort: obj(
    {
      appProtocol: str(),
      name: str("Required when there is more than one port."),
      nodePort: int("For NodePort and LoadBalancer: the port on every node."),
      port: int("The port the Service listens on."),
      protocol: str("TCP (default), UDP or SCTP."),
      targetPort: intOrString("The pods' port, by number or container port name."),
    },
    { required: ["port"] },
  ),
  SessionAffinityConfig: obj({ clientIP: core("ClientIPConfig") }),
  ClientIPConfig: obj({ timeoutSeconds: int() }),
  ServiceStatus: obj({
    conditions: listMap(meta("Condition"), ["type"], { mergeKey: "type" }),
    loadBalancer: core("LoadBalancerStatus"),
  }),
  LoadBalancerStatus: obj({ ingress: arr(core("LoadBalancerIngress")) }),
  LoadBalancerIngress: obj({
    hostname: str(),
    ip: str(),
    ipMode: str("VIP or Proxy."),
    ports: arr(core("PortStatus")),
  }),
  PortStatus: obj(
    { error: str(), port: int(), protocol: str() },
    { required: ["port", "protocol"] },
  ),
  EndpointSubset: obj(
    {
      addresses: arr(core("EndpointAddress"), "Addresses of ready pods."),
      notReadyAddresses: arr(core("EndpointAddress"), "Addresses of pods not ready yet."),
      ports: arr(core("EndpointPort")),
    },
    { description: "A group of addresses that share the same ports." },
  ),
  EndpointAddress: obj(
    { hostname: str(), ip: str(), nodeName: str(), targetRef: core("ObjectReference") },
    { required: ["ip"], mapType: "atomic" },
  ),
  EndpointPort: obj(
    { appProtocol: str(), name: str(), port: int(), protocol: str() },
    { required: ["port"], mapType: "atomic" },
  ),
};

// --- the rest -------------------------------------------------------------------------------

const misc: SchemaMap = {
  NamespaceSpec: obj({
    finalizers: arr(str(), "What must clean up before the namespace is removed."),
  }),
  NamespaceStatus: obj({
    conditions: listMap(core("NamespaceCondition"), ["type"], { mergeKey: "type" }),
    phase: str("Active or Terminating."),
  }),
  NamespaceCondition: obj(
    { lastTransitionTime: time(), message: str(), reason: str(), status: str(), type: str() },
    { required: ["type", "status"] },
  ),
  EventSource: obj({ component: str(), host: str() }),
  EventSeries: obj({ count: int(), lastObservedTime: microTime() }),
  LimitRangeSpec: obj(
    { limits: arr(core("LimitRangeItem"), "Limits per kind of object.") },
    { required: ["limits"] },
  ),
  LimitRangeItem: obj(
    {
      default: resourceList("Default limits for containers that set none."),
      defaultRequest: resourceList("Default requests for containers that set none."),
      max: resourceList(),
      maxLimitRequestRatio: resourceList(),
      min: resourceList(),
      type: str("Container, Pod or PersistentVolumeClaim."),
    },
    { required: ["type"] },
  ),
  ResourceQuotaSpec: obj({
    hard: resourceList("The most the namespace may use: pods, requests.cpu, ..."),
    scopeSelector: core("ScopeSelector"),
    scopes: arr(str()),
  }),
  ResourceQuotaStatus: obj({
    hard: resourceList("The enforced limits."),
    used: resourceList("What the namespace uses now."),
  }),
  ScopeSelector: obj(
    { matchExpressions: arr(core("ScopedResourceSelectorRequirement")) },
    { mapType: "atomic" },
  ),
  ScopedResourceSelectorRequirement: obj(
    { operator: str(), scopeName: str(), values: arr(str()) },
    { required: ["scopeName", "operator"] },
  ),
};

// --- top-level kinds ------------------------------------------------------------------------

const spec = (name: string, description: string) => core(name, description);

const kinds: SchemaMap = {
  ...withList(
    CORE_V1,
    gvk("Namespace"),
    kind({
      ...gvk("Namespace"),
      description: "A scope for names; most objects live in a namespace.",
      properties: {
        spec: spec("NamespaceSpec", "The finalizers of the namespace."),
        status: spec("NamespaceStatus", "Active or Terminating."),
      },
    }),
  ),
  ...withList(
    CORE_V1,
    gvk("Pod"),
    kind({
      ...gvk("Pod"),
      description:
        "One or more containers that run together on a node, sharing network and storage.",
      properties: {
        spec: spec("PodSpec", "What the pod should run."),
        status: spec("PodStatus", "What the pod is doing, as last reported."),
      },
    }),
  ),
  [`${CORE_V1}Binding`]: kind({
    ...gvk("Binding"),
    description: "Binds a pod to a node: the body the scheduler posts to pods/binding.",
    properties: { target: core("ObjectReference", "The node to bind to.") },
    required: ["target"],
  }),
  ...withList(
    CORE_V1,
    gvk("Node"),
    kind({
      ...gvk("Node"),
      description: "A machine that runs pods, registered by its kubelet.",
      properties: {
        spec: spec("NodeSpec", "Taints, pod CIDR and schedulability."),
        status: spec("NodeStatus", "Capacity, conditions, addresses and versions."),
      },
    }),
  ),
  ...withList(
    CORE_V1,
    gvk("Service"),
    kind({
      ...gvk("Service"),
      description: "A stable virtual address and DNS name in front of a set of pods.",
      properties: {
        spec: spec("ServiceSpec", "Ports, selector and type."),
        status: spec("ServiceStatus", "Load balancer state."),
      },
    }),
  ),
  ...withList(
    CORE_V1,
    gvk("Endpoints"),
    kind({
      ...gvk("Endpoints"),
      description: "The addresses behind a Service, grouped by port set.",
      properties: {
        subsets: arr(core("EndpointSubset"), "Groups of addresses and their ports."),
      },
    }),
  ),
  ...withList(
    CORE_V1,
    gvk("ConfigMap"),
    kind({
      ...gvk("ConfigMap"),
      description: "Non-secret configuration as key/value pairs.",
      properties: {
        binaryData: map(bytes(), "Binary values, base64-encoded."),
        data: map(str(), "Text values."),
        immutable: bool("Once true, data can no longer change."),
      },
    }),
  ),
  ...withList(
    CORE_V1,
    gvk("Secret"),
    kind({
      ...gvk("Secret"),
      description: "Sensitive data (passwords, tokens, keys) as key/value pairs.",
      properties: {
        data: map(bytes(), "Values, base64-encoded."),
        immutable: bool("Once true, data can no longer change."),
        stringData: map(str(), "Write-only plain-text values, merged into data on write."),
        type: str("Opaque, kubernetes.io/tls, kubernetes.io/dockerconfigjson, ..."),
      },
    }),
  ),
  ...withList(
    CORE_V1,
    gvk("Event"),
    kind({
      ...gvk("Event"),
      description: "A report of something that happened to an object.",
      properties: {
        action: str(),
        count: int("How many times it happened."),
        eventTime: microTime(),
        firstTimestamp: time(),
        involvedObject: core("ObjectReference", "The object the event is about."),
        lastTimestamp: time(),
        message: str("Human-readable description."),
        reason: str("Short CamelCase reason: Scheduled, Pulled, BackOff, ..."),
        related: core("ObjectReference"),
        reportingComponent: str(),
        reportingInstance: str(),
        series: core("EventSeries"),
        source: core("EventSource", "The component that reported it."),
        type: str("Normal or Warning."),
      },
      required: ["metadata", "involvedObject"],
    }),
  ),
  ...withList(
    CORE_V1,
    gvk("ServiceAccount"),
    kind({
      ...gvk("ServiceAccount"),
      description: "An identity for processes that run in pods.",
      properties: {
        automountServiceAccountToken: bool(),
        imagePullSecrets: arr(core("LocalObjectReference")),
        secrets: arr(core("ObjectReference"), { mergeKey: "name" }),
      },
    }),
  ),
  ...withList(
    CORE_V1,
    gvk("LimitRange"),
    kind({
      ...gvk("LimitRange"),
      description: "Default and allowed resource amounts per object in a namespace.",
      properties: { spec: spec("LimitRangeSpec", "The limits.") },
    }),
  ),
  ...withList(
    CORE_V1,
    gvk("ResourceQuota"),
    kind({
      ...gvk("ResourceQuota"),
      description: "Caps the total resources and object counts of a namespace.",
      properties: {
        spec: spec("ResourceQuotaSpec", "The caps."),
        status: spec("ResourceQuotaStatus", "The caps and current usage."),
      },
    }),
  ),
};

function prefixed(schemas: SchemaMap): SchemaMap {
  return Object.fromEntries(Object.entries(schemas).map(([name, s]) => [CORE_V1 + name, s]));
}

export const coreV1Schemas: SchemaMap = {
  ...prefixed(containers),
  ...prefixed(volumes),
  ...prefixed(scheduling),
  ...prefixed(pods),
  ...prefixed(nodes),
  ...prefixed(services),
  ...prefixed(misc),
  ...kinds,
};
