import { describe, expect, it } from "vitest";
import type { Container } from "../../api/types.ts";
import { resolveContainerPort } from "./port.ts";

const container: Container = {
  name: "web",
  ports: [
    { name: "http", containerPort: 8080 },
    { name: "metrics", containerPort: 9090 },
  ],
};

describe("resolveContainerPort", () => {
  it("takes a number as it is, a name from the container's ports, a numeric string as a number", () => {
    expect(resolveContainerPort(80, container)).toBe(80);
    expect(resolveContainerPort("metrics", container)).toBe(9090);
    expect(resolveContainerPort("8443", container)).toBe(8443);
  });

  it("fails with Kubernetes' messages for an unknown name and a port out of range", () => {
    expect(() => resolveContainerPort("grpc", container)).toThrow(
      'strconv.Atoi: parsing "grpc": invalid syntax',
    );
    expect(() => resolveContainerPort(0, container)).toThrow("invalid port number: 0");
    expect(() => resolveContainerPort(65536, container)).toThrow("invalid port number: 65536");
    expect(() => resolveContainerPort("-1", container)).toThrow("invalid port number: -1");
  });
});
