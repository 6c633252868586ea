/**
 * A kubectl-like client that narrates. It sends one request at a time and, when the answer is
 * in, prints what each stage of the API server did with it — from the server's trace — under the
 * stage's name, then the answer, as kubectl would report it:
 *
 *   [kubectl-like client] POST /api/v1/namespaces/default/pods as admin: pod "web"
 *     [authn] user "admin", groups ["system:masters","system:authenticated"]
 *     [authz] create pods in namespace default: allowed (group system:masters)
 *     [registry] prepared Pod "web": uid, creationTimestamp
 *     [admission] mutating LimitRanger: ok
 *     [admission] mutating ServiceAccount: ok
 *     [registry] validated Pod "web" against the Pod rules
 *     [admission] validating NamespaceLifecycle: ok
 *     ...
 *     [store] txn if createRevision(/registry/pods/default/web) = 0 then put: committed at revision 47
 *   [kubectl-like client] 201 Created
 */
import { STATUS_CODES } from "node:http";
import type { StartApiServerOptions } from "@tinykube/core/apiserver/start";
import type {
  TestApiServer,
  TestResponse,
  WatchStreamReader,
} from "@tinykube/core/testing/cluster";

export type TraceEvent = Parameters<NonNullable<StartApiServerOptions["trace"]>>[0];

/** The name each stage of the request path goes by in the narration. */
export const STAGE_TAGS: Record<TraceEvent["stage"], string> = {
  authentication: "[authn]",
  authorization: "[authz]",
  admission: "[admission]",
  registry: "[registry]",
  store: "[store]",
  response: "[response]",
};

export const CLIENT = "[kubectl-like client]";

export interface SendOptions {
  /** A user from the token file; `null` sends no credentials. Default "admin". */
  user?: string | null;
  body?: unknown;
  accept?: string;
  /** What the request is, in words, after the URL. */
  what?: string;
}

export class Narrator {
  private server: TestApiServer | undefined;
  /** The request being narrated ("POST /api/v1/..."), and what the server reported about it. */
  private current: string | undefined;
  private events: TraceEvent[] = [];

  constructor(private readonly say: (line: string) => void) {}

  /** Give this to the API server as its `trace` option. */
  readonly trace = (event: TraceEvent): void => {
    // Response events are left out: the client prints the answer itself. Anything else that is
    // not the request being narrated (a watch ending, say) belongs to no step of the story.
    if (event.request === this.current && event.stage !== "response") this.events.push(event);
  };

  attach(server: TestApiServer): void {
    this.server = server;
  }

  async send(method: string, path: string, options: SendOptions = {}): Promise<TestResponse> {
    const server = this.connected();
    this.begin(method, path, options);
    const response = await server.request(method, path, {
      ...(options.user !== undefined ? { user: options.user } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.accept !== undefined ? { accept: options.accept } : {}),
    });
    this.end();
    this.say(`${CLIENT} ${describeResponse(response)}`);
    return response;
  }

  /** Opens a watch; prints what the server did before the stream started. */
  async watch(path: string, options: Omit<SendOptions, "body"> = {}): Promise<WatchStreamReader> {
    const server = this.connected();
    this.begin("GET", path, options);
    const reader = await server.watch(path, {
      ...(typeof options.user === "string" ? { user: options.user } : {}),
      ...(options.accept !== undefined ? { accept: options.accept } : {}),
    });
    this.end();
    this.say(`${CLIENT} ${reader.status} ${STATUS_CODES[reader.status]}: the watch stream is open`);
    return reader;
  }

  private connected(): TestApiServer {
    if (!this.server) throw new Error("Narrator.attach(server) was not called");
    return this.server;
  }

  private begin(method: string, path: string, options: SendOptions): void {
    const who = options.user === null ? "with no credentials" : `as ${options.user ?? "admin"}`;
    this.say(`${CLIENT} ${method} ${path} ${who}${options.what ? `: ${options.what}` : ""}`);
    this.current = `${method} ${path.split("?")[0]}`;
    this.events = [];
  }

  private end(): void {
    for (const e of this.events) this.say(`  ${STAGE_TAGS[e.stage]} ${e.message}`);
    this.current = undefined;
    this.events = [];
  }
}

/** "201 Created", or for a failure "403 Forbidden: <the Status message>". */
export function describeResponse(response: TestResponse): string {
  const head = `${response.status} ${STATUS_CODES[response.status]}`;
  if (response.status < 400) return head;
  const status = response.json<{ message?: string }>();
  return `${head}: ${status.message ?? response.text}`;
}
