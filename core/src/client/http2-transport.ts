/**
 * HTTP/2 to the API server, shared by every client in the process that is given it — client-go's
 * transport, which speaks HTTP/2 by default and is shared by all clients with the same TLS
 * configuration (its transport cache never keys on the bearer token, a header of each request).
 *
 * Why it matters: over HTTP/1.1 a connection carries one response at a time, so every watch holds
 * a connection of its own. A kubelet watches its pods, its Node and the services: 5,000 hollow
 * kubelets held 15,000 TLS connections, past the 20,000 file descriptors a process may open once
 * the requests' own are counted, at some 100 KB of buffers each across both ends. Over HTTP/2
 * every request and watch is a stream of one connection, up to the server's limit of concurrent
 * streams; then the next stream opens another connection, as Go's transport does.
 *
 * Guarantees:
 * - A request goes on a connection with a free stream, or on a new one; a connection that ends
 *   (closed, GOAWAY, an error) takes no more streams, and its open streams fail: their callers
 *   retry as they would after a broken HTTP/1.1 connection.
 * - Every connection shares one TLS context, built once.
 * - A connection without streams does not keep the process alive; `close()` lets the requests
 *   in flight finish, then ends every connection.
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from "node:http2";
import { createSecureContext, type SecureContext } from "node:tls";

/** What a request gives back: its status, and its body as it arrives. */
export interface TransportResponse {
  statusCode: number;
  body: AsyncIterable<Buffer>;
  /** Ends the stream early (a watch stopped). */
  destroy(): void;
}

/**
 * Streams per connection the client assumes until the server's SETTINGS arrive, as Go's transport
 * does (initialMaxConcurrentStreams, 100); then the server's setting decides (tinykube's API
 * server advertises 1,000, as k8s.io/apiserver's RecommendedOptions sets
 * HTTP2MaxStreamsPerConnection).
 */
const DEFAULT_MAX_STREAMS = 100;
/**
 * Flow-control windows, Go's transport's (x/net/http2 transport.go): 1 GiB per connection and
 * 4 MiB per stream, so thousands of watches on one connection never stall on the 64 KiB default.
 */
const CONNECTION_WINDOW = 1 << 30;
const STREAM_WINDOW = 4 << 20;

interface Connection {
  session: ClientHttp2Session;
  /** Streams opened on it and not yet closed. */
  open: number;
  /** false once it ended: no new streams. */
  usable: boolean;
}

export class Http2Transport {
  private readonly context: SecureContext;
  private connections: Connection[] = [];
  private closed = false;

  constructor(private readonly options: { server: string; caPem: string }) {
    this.context = createSecureContext({ ca: options.caPem });
  }

  /** One request; `path` carries its query. Rejects if the connection fails before an answer. */
  request(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    body: string | undefined,
  ): Promise<TransportResponse> {
    if (this.closed) return Promise.reject(new Error("the HTTP/2 transport is closed"));
    const connection = this.connection();
    connection.open++;
    if (connection.open === 1) connection.session.ref();
    let stream: ClientHttp2Stream;
    try {
      stream = connection.session.request({
        ...headers,
        [constants.HTTP2_HEADER_METHOD]: method,
        [constants.HTTP2_HEADER_PATH]: path,
      });
    } catch (error) {
      this.release(connection);
      return Promise.reject(error);
    }
    stream.once("close", () => this.release(connection));
    return new Promise((resolve, reject) => {
      stream.once("error", reject);
      stream.once("response", (answer: IncomingHttpHeaders) => {
        stream.off("error", reject);
        resolve({
          statusCode: Number(answer[constants.HTTP2_HEADER_STATUS] ?? 0),
          body: stream,
          destroy: () => stream.destroy(),
        });
      });
      stream.end(body);
    });
  }

  /** Takes no more requests; each connection closes once its open streams have ended. */
  close(): void {
    this.closed = true;
    for (const c of this.connections) c.session.close();
    this.connections = [];
  }

  /** The first connection with a free stream, or a new one. */
  private connection(): Connection {
    for (const c of this.connections) {
      const max = c.session.remoteSettings?.maxConcurrentStreams ?? DEFAULT_MAX_STREAMS;
      if (c.usable && !c.session.destroyed && c.open < max) return c;
    }
    const session = connect(this.options.server, {
      secureContext: this.context,
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW },
    });
    const connection: Connection = { session, open: 0, usable: true };
    const retire = () => {
      connection.usable = false;
      this.connections = this.connections.filter((c) => c !== connection);
    };
    session.once("connect", () => session.setLocalWindowSize(CONNECTION_WINDOW));
    // An error also closes it: its streams fail with it, and their callers retry.
    session.on("error", retire);
    session.once("goaway", retire);
    session.once("close", retire);
    session.unref();
    this.connections.push(connection);
    return connection;
  }

  private release(connection: Connection): void {
    connection.open--;
    if (connection.open === 0 && !connection.session.destroyed) connection.session.unref();
  }
}
