// tinykube/cpu-burner: keeps about $MILLICORES (1000) of CPU busy and prints, once a second, the
// CPU it used in that second — load for metrics, /stats/summary and the autoscaler.
//
// A duty cycle per 100 ms period — the CFS bandwidth period (cpu.cfs_period_us, 100 ms) over
// which a Kubernetes CPU limit is enforced: each thread spins for share × 100 ms, then sleeps to
// the end of the period. One thread can fill one core, so the load is spread over
// ceil(MILLICORES / 1000) threads. 2500m: 3 threads with share 2.5 / 3 = 0.833, each busy 83 ms
// of every 100 ms; 250m: 1 thread busy 25 ms of every 100 ms.
// SIGTERM: logs "shutting down", exits 0.
import { isMainThread, Worker, workerData } from "node:worker_threads";

const PERIOD_MS = 100;

function burn(share) {
  const busyMs = share * PERIOD_MS;
  const period = () => {
    const start = performance.now();
    while (performance.now() - start < busyMs) {
      // spin: this is the work
    }
    setTimeout(period, Math.max(0, start + PERIOD_MS - performance.now()));
  };
  if (busyMs > 0) period();
}

if (isMainThread) {
  const millicores = process.env.MILLICORES ? Number(process.env.MILLICORES) : 1000;
  if (!Number.isInteger(millicores) || millicores < 0) {
    console.error(
      `cpu-burner: MILLICORES must be a whole number >= 0, got ${process.env.MILLICORES}`,
    );
    process.exit(2);
  }
  const threads = Math.max(1, Math.ceil(millicores / 1000));
  const share = millicores / 1000 / threads;
  console.log(
    `cpu-burner: burning ${millicores}m on ${threads} thread(s), each busy ${Math.round(share * PERIOD_MS)} ms of every ${PERIOD_MS} ms`,
  );
  for (let i = 1; i < threads; i++) new Worker(new URL(import.meta.url), { workerData: share });
  burn(share);
  let last = process.cpuUsage();
  setInterval(() => {
    const used = process.cpuUsage(last);
    last = process.cpuUsage();
    console.log(
      `cpu-burner: used ${Math.round((used.user + used.system) / 1000)} ms of CPU in the last second`,
    );
  }, 1000);
  process.once("SIGTERM", () => {
    console.log("shutting down");
    process.exit(0);
  });
} else {
  burn(workerData);
}
