/**
 * Running the ingress controller: the control loop (controller.ts) and its data path (proxy.ts)
 * behind an HTTP and an HTTPS server on one address, as an ingress-nginx pod runs the controller
 * and nginx side by side.
 *
 * `startIngressController`:
 * 1. makes the default ("fake") certificate;
 * 2. starts the informers and waits for their caches, then builds the first snapshot, so the first
 *    request is routed by the cluster's Ingresses and not by an empty table;
 * 3. listens: HTTP on port 80 where it may and 8080 otherwise, HTTPS on 443 or 8443 (listen.ts);
 *    the servers keep client connections alive 75 s and for 1,000 requests (ingress-nginx's
 *    keep-alive and keep-alive-requests) and give a client 60 s to send its request head
 *    (nginx's client_header_timeout; Node answers 408); both proxy over one pool of keep-alive
 *    connections to the endpoints (upstream-pool.ts);
 * 4. runs the workers until `stop()`.
 *
 * The identity the client carries needs what ingress-nginx's ClusterRole grants; the bootstrap
 * role system:ingress-controller (apiserver/rbac/bootstrap.ts) is that, bound to the
 * ServiceAccount kube-system/ingress-controller.
 */
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createSecureContext } from "node:tls";
import { EventRecorder, eventSink } from "../client/events.ts";
import { builtinType, SharedInformerFactory } from "../client/factory.ts";
import type { RestClient } from "../client/rest.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { IngressController } from "./controller.ts";
import { listenWithFallback } from "./listen.ts";
import { createProxyHandler } from "./proxy.ts";
import { fakeCertificate } from "./self-signed.ts";
import { UpstreamPool } from "./upstream-pool.ts";

/** DESIGN.md "Network model": the ingress controller's address. */
export const DEFAULT_INGRESS_ADDRESS = "127.1.0.1";
export const DEFAULT_CLASS_NAME = "tinykube";
/** The `spec.controller` of tinykube's IngressClass (ingress-nginx's is "k8s.io/ingress-nginx"). */
export const DEFAULT_CONTROLLER_NAME = "tinykube.io/ingress-controller";
/** Events name the controller as their source, as "nginx-ingress-controller" does for ingress-nginx. */
const EVENT_COMPONENT = "tinykube-ingress-controller";

/** ingress-nginx's keep-alive (client connections): 75 s. */
const CLIENT_KEEP_ALIVE_MS = 75_000;
/** ingress-nginx's keep-alive-requests: a client connection closes after its 1,000th request. */
const CLIENT_KEEP_ALIVE_REQUESTS = 1_000;
/** nginx's client_header_timeout: 60 s to send the request head. */
const CLIENT_HEADER_TIMEOUT_MS = 60_000;

export interface StartIngressControllerOptions {
  /** The API client, as an identity bound to system:ingress-controller. */
  client: RestClient;
  /** Where to listen, and what Ingress status shows. Default 127.1.0.1. */
  address?: string;
  /** Default: 80 if this process may bind it, else 8080. */
  httpPort?: number;
  /** Default: 443 if this process may bind it, else 8443. */
  httpsPort?: number;
  /** The annotation value (kubernetes.io/ingress.class) answered to. Default "tinykube". */
  className?: string;
  /** The IngressClass `spec.controller` implemented. Default "tinykube.io/ingress-controller". */
  controllerName?: string;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface RunningIngressController {
  address: string;
  httpPort: number;
  httpsPort: number;
  controller: IngressController;
  stop(): Promise<void>;
}

// #region startIngressController
export async function startIngressController(
  options: StartIngressControllerOptions,
): Promise<RunningIngressController> {
  const clock = options.clock ?? realClock;
  const log = options.log ?? (() => {});
  const address = options.address ?? DEFAULT_INGRESS_ADDRESS;
  const fake = await fakeCertificate(clock);
  const defaultContext = createSecureContext({ cert: fake.certPem, key: fake.keyPem });

  const informers = new SharedInformerFactory(options.client, {
    clock,
    onHandlerError: (error) => log(`[ingress] event handler failed: ${messageOf(error)}`),
  });
  const recorder = new EventRecorder({
    sink: eventSink(options.client.resource(builtinType("events"))),
    component: EVENT_COMPONENT,
    clock,
    log,
  });
  const controller = new IngressController({
    client: options.client,
    informers,
    selection: {
      controller: options.controllerName ?? DEFAULT_CONTROLLER_NAME,
      className: options.className ?? DEFAULT_CLASS_NAME,
    },
    addresses: [address],
    defaultContext,
    recorder,
    clock,
    log,
  });
  informers.start();
  const pool = new UpstreamPool();
  const http = createHttpServer();
  const https = createHttpsServer({
    cert: fake.certPem,
    key: fake.keyPem,
    SNICallback: (servername, done) =>
      done(null, controller.current().certificates.contextFor(servername)),
  });
  const closeAll = async () => {
    controller.stop();
    for (const server of [http, https]) server.closeAllConnections();
    await Promise.all([http, https].map((s) => closeServer(s)));
    pool.close();
    await informers.stop();
    await recorder.flush();
  };

  try {
    if (!(await informers.waitForCacheSync())) throw new Error("stopped before the caches synced");
    controller.sync();
    for (const server of [http, https]) {
      server.keepAliveTimeout = CLIENT_KEEP_ALIVE_MS;
      server.maxRequestsPerSocket = CLIENT_KEEP_ALIVE_REQUESTS;
      server.headersTimeout = CLIENT_HEADER_TIMEOUT_MS;
      // nginx bounds the time between reads, not the whole request: no overall limit here.
      server.requestTimeout = 0;
    }
    // Each handler is attached as soon as its port is bound, before anything else can run.
    const httpPort = await listenWithFallback(http, {
      address,
      port: options.httpPort,
      privileged: 80,
      fallback: 8080,
      what: "HTTP",
      log,
    });
    const proxy = (scheme: "http" | "https", port: number) =>
      createProxyHandler({ current: () => controller.current(), scheme, port, pool, log });
    http.on("request", proxy("http", httpPort));
    const httpsPort = await listenWithFallback(https, {
      address,
      port: options.httpsPort,
      privileged: 443,
      fallback: 8443,
      what: "HTTPS",
      log,
    });
    https.on("request", proxy("https", httpsPort));
    log(`[ingress] serving HTTP on ${address}:${httpPort} and HTTPS on ${address}:${httpsPort}`);

    const running = controller.run();
    let stopping: Promise<void> | undefined;
    return {
      address,
      httpPort,
      httpsPort,
      controller,
      stop: () => {
        stopping ??= (async () => {
          await closeAll();
          await running;
        })();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
// #endregion startIngressController

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
