import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeCertificate } from "../apiserver/pki.ts";
import { FakeClock } from "../util/clock.ts";
import { kubeletServingCertificate } from "./kubelet-serving.ts";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tinykube-serving-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the certificate a joining kubelet serves with", () => {
  it("without files given: signs one itself for its hostname and address, keeps it in --cert-dir, reuses it", async () => {
    const clock = new FakeClock(Date.parse("2026-11-27T12:00:00Z"));
    const certDir = join(dir, "pki");
    const options = { certDir, hostname: "node-9", address: "127.1.0.2", clock };
    const first = await kubeletServingCertificate(options);
    expect(first.source).toBe(`${join(certDir, "kubelet.crt")} (self-signed, new)`);
    const info = describeCertificate(first.certPem);
    // kubelet's GenerateSelfSignedCertKey: CN <hostname>@<unix seconds>.
    expect(info.commonName).toBe(`node-9@${Date.parse("2026-11-27T12:00:00Z") / 1000}`);
    expect(info.issuerCommonName, "it signs itself").toBe(info.commonName);
    expect(info.ipAddresses).toEqual(["127.1.0.2"]);
    expect(info.dnsNames).toEqual(["node-9"]);
    expect(info.extKeyUsage).toEqual(["serverAuth"]);
    expect(await readFile(join(certDir, "kubelet.crt"), "utf8")).toBe(first.certPem);
    expect((await stat(join(certDir, "kubelet.key"))).mode & 0o777, "the key is private").toBe(
      0o600,
    );

    const again = await kubeletServingCertificate(options);
    expect(again.certPem, "the next start reuses it").toBe(first.certPem);
    expect(again.source).toBe(join(certDir, "kubelet.crt"));
  });

  it("with --tls-cert-file and --tls-private-key-file: those, and nothing is written", async () => {
    const made = await kubeletServingCertificate({
      certDir: join(dir, "made"),
      hostname: "node-9",
      address: "127.1.0.2",
    });
    await writeFile(join(dir, "given.crt"), made.certPem);
    await writeFile(join(dir, "given.key"), made.keyPem);
    const given = await kubeletServingCertificate({
      tlsCertFile: join(dir, "given.crt"),
      tlsPrivateKeyFile: join(dir, "given.key"),
      certDir: join(dir, "unused"),
      hostname: "node-9",
      address: "127.1.0.2",
    });
    expect(given).toEqual({
      certPem: made.certPem,
      keyPem: made.keyPem,
      source: join(dir, "given.crt"),
    });
    await expect(stat(join(dir, "unused"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses one file without the other, a missing file, and a file that is not a certificate", async () => {
    const base = { certDir: join(dir, "pki"), hostname: "node-9", address: "127.1.0.2" };
    await expect(
      kubeletServingCertificate({ ...base, tlsCertFile: join(dir, "x.crt") }),
    ).rejects.toThrow(
      "--tls-cert-file and --tls-private-key-file go together: give both or neither",
    );
    await expect(
      kubeletServingCertificate({
        ...base,
        tlsCertFile: join(dir, "missing.crt"),
        tlsPrivateKeyFile: join(dir, "missing.key"),
      }),
    ).rejects.toThrow(/^--tls-cert-file: ENOENT/);
    await writeFile(join(dir, "junk.crt"), "not a certificate");
    await writeFile(join(dir, "junk.key"), "not a key");
    await expect(
      kubeletServingCertificate({
        ...base,
        tlsCertFile: join(dir, "junk.crt"),
        tlsPrivateKeyFile: join(dir, "junk.key"),
      }),
    ).rejects.toThrow();
  });
});
