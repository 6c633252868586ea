/**
 * An upstream: one backend's endpoints and a round-robin position over them — ingress-nginx's
 * default load balancing (`load-balance: round_robin`, rootfs/etc/nginx/lua/balancer.lua).
 *
 * Invariant: `next` is an index into `endpoints`, or 0 when there are none. An upstream with no
 * endpoints is what ingress-nginx has no balancer for, and answers 503.
 */
import type { Endpoint } from "./endpoints.ts";

// #region Upstream
export class Upstream {
  private next = 0;

  constructor(
    readonly key: string,
    readonly endpoints: readonly Endpoint[],
    /** Why there are no endpoints, when there is more to say than "none ready". */
    readonly problem?: string,
  ) {}

  /**
   * The next endpoint in turn. With endpoints a, b, c: a, b, c, a, … Called for each attempt, so
   * a retry after a failed attempt goes to the next endpoint.
   */
  pick(): Endpoint | undefined {
    const n = this.endpoints.length;
    if (n === 0) return undefined;
    const endpoint = this.endpoints[this.next];
    this.next = this.next + 1 === n ? 0 : this.next + 1;
    return endpoint;
  }

  /**
   * The same backend with new endpoints, carrying on the rotation where it was (else every
   * EndpointSlice change would send the next request to the first pod again).
   */
  withEndpoints(endpoints: readonly Endpoint[], problem?: string): Upstream {
    const next = new Upstream(this.key, endpoints, problem);
    next.next = endpoints.length === 0 ? 0 : this.next % endpoints.length;
    return next;
  }

  sameAs(endpoints: readonly Endpoint[]): boolean {
    return (
      endpoints.length === this.endpoints.length &&
      endpoints.every(
        (e, i) => e.address === this.endpoints[i]?.address && e.port === this.endpoints[i]?.port,
      )
    );
  }
}
// #endregion Upstream
