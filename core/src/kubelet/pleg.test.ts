import { describe, expect, it } from "vitest";
import { FakeRuntime } from "../runtime/fake/runtime.ts";
import { FakeClock } from "../util/clock.ts";
import { Pleg } from "./pleg.ts";
import { POD_UID_LABEL } from "./runtime-pod.ts";

describe("the PLEG", () => {
  it("reports a pod once per relist in which its containers or sandbox changed", async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime({ clock, podCIDR: "10.244.1.0/24" });
    const events: string[] = [];
    const pleg = new Pleg({
      runtime,
      clock,
      relistPeriodMs: 1_000,
      onPodChanged: (uid) => events.push(uid),
    });
    const labels = { [POD_UID_LABEL]: "u1" };
    const sandboxConfig = {
      metadata: { name: "p", namespace: "default", uid: "u1", attempt: 0 },
      hostname: "p",
      logDirectory: "/tmp/tinykube-pleg-test",
      labels,
      annotations: {},
    };
    const sandbox = await runtime.runPodSandbox(sandboxConfig);
    await pleg.relist();
    expect(events).toEqual(["u1"]); // new to the first relist
    await pleg.relist();
    expect(events).toEqual(["u1"]); // nothing changed
    const imageRef = await runtime.pullImage({ image: "tinykube/hello:1.0" });
    const id = await runtime.createContainer(
      sandbox,
      {
        metadata: { name: "c", attempt: 0 },
        image: { image: imageRef },
        command: [],
        args: [],
        envs: [],
        mounts: [],
        labels,
        annotations: {},
        logPath: "c/0.log",
      },
      sandboxConfig,
    );
    await runtime.startContainer(id);
    await pleg.relist();
    expect(events).toEqual(["u1", "u1"]); // created and started in one relist: one event
    runtime.kill(id, 1);
    await pleg.relist();
    expect(events).toEqual(["u1", "u1", "u1"]);
    await runtime.removePodSandbox(sandbox);
    await pleg.relist();
    expect(events).toEqual(["u1", "u1", "u1", "u1"]);
    await runtime.close();
  });
});
