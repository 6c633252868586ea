/**
 * npm run bench -- <name> [--scale 0.1]
 *
 * store       the embedded store against a real etcd on the same disk
 * apiserver   the API server over HTTPS, on the embedded store and on a real etcd
 * controllers the deployment and replicaset controllers creating pods, on both stores
 * scheduler   scheduler_perf's SchedulingBasic, NodeAffinity and PodAntiAffinity at 5,000 nodes,
 *             through the API server on both stores, and the algorithm alone
 * kubelet     pod startup latency on the process runtime (100 pods, 3 nodes), and 10,000 pods on
 *             5,000 hollow nodes (the fake runtime) until all are Running, with their memory
 * network     kube-proxy (userspace) against direct, cluster DNS against dnsmasq, the ingress
 *             controller against nginx, side by side; iptables rule sync at 1,000–10,000 Services
 */
import { benchApiServer } from "./apiserver.ts";
import { benchControllers } from "./controllers.ts";
import { benchKubelet } from "./kubelet.ts";
import { benchNetwork } from "./network.ts";
import { benchScheduler } from "./scheduler.ts";
import { benchStore } from "./store.ts";

const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith("--"));
const scaleAt = args.indexOf("--scale");
const scale = scaleAt >= 0 ? Number(args[scaleAt + 1]) : 1;

const benches: Record<string, () => Promise<string>> = {
  store: () => benchStore({ scale }),
  apiserver: () => benchApiServer({ scale }),
  controllers: () => benchControllers({ scale }),
  scheduler: () => benchScheduler({ scale }),
  kubelet: () => benchKubelet({ scale }),
  network: () => benchNetwork({ scale }),
};

const bench = name ? benches[name] : undefined;
if (!bench || !(scale > 0 && scale <= 1)) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join("|")}> [--scale 0<s<=1]`);
  process.exit(1);
}
const started = performance.now();
console.log(await bench());
console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
