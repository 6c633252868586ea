import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../object.ts";
import { applyDeploymentDefaults, applyReplicaSetDefaults } from "./apps.ts";
import type { JsonObject } from "./fields.ts";
import { applyDefaults } from "./index.ts";

// Defaulted objects gain fields their literal types do not have: read them loosely.
// biome-ignore lint/suspicious/noExplicitAny: test reads of defaulted JSON
type Loose = any;
const deployment = (o: JsonObject): Loose => applyDeploymentDefaults(o);
const replicaSet = (o: JsonObject): Loose => applyReplicaSetDefaults(o);

const fixture = (name: string): KubeObject[] =>
  parseAllDocuments(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")).map(
    (doc) => doc.toJS() as KubeObject,
  );

describe("Deployment defaults", () => {
  it("a minimal Deployment comes out as a Kubernetes API server stores it", () => {
    const [input, expected] = fixture("deployment-web.yaml");
    expect(applyDefaults(structuredClone(input) as KubeObject)).toEqual(expected);
  });

  it("a Recreate Deployment gets no rollingUpdate", () => {
    const d = deployment({ spec: { strategy: { type: "Recreate" } } });
    expect(d.spec.strategy).toEqual({ type: "Recreate" });
  });

  it("never replaces what the user set, 0 included", () => {
    const d = deployment({
      spec: {
        replicas: 0,
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 30,
        strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      },
    });
    expect(d.spec).toMatchObject({
      replicas: 0,
      revisionHistoryLimit: 0,
      progressDeadlineSeconds: 30,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
  });

  it("defaults the template as a template: no enableServiceLinks, no requests from limits", () => {
    const d = deployment({
      spec: {
        template: {
          spec: { containers: [{ name: "c", image: "x:1", resources: { limits: { cpu: "1" } } }] },
        },
      },
    });
    expect(d.spec.template.spec.enableServiceLinks).toBeUndefined();
    expect(d.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: "1" } });
  });
});

describe("ReplicaSet defaults", () => {
  it("replicas 1 and template defaults, nothing else", () => {
    const rs = replicaSet({
      spec: { template: { spec: { containers: [{ name: "c", image: "x:1" }] } } },
    });
    expect(rs.spec.replicas).toBe(1);
    expect(rs.spec.template.spec.restartPolicy).toBe("Always");
    expect(rs.spec.template.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    expect(rs.spec.strategy).toBeUndefined();
  });
});
