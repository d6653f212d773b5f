// The client of one version (`@ocpi-sdk/client/2.2.1`): it talks that version alone, and a bundle of it holds no
// other version's bindings or validators, nor the converters.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { bundleForEdge } from "../../../scripts/lib/bundle.js";
import { OcpiClient } from "./generated/2.2.1/client.gen.js";
import { OcpiClient as AnyVersionClient, OcpiClientCore } from "./index.js";
import { makeLocations } from "./testing/fixtures.js";
import { errorOf } from "./testing/errors.js";
import { startPeer, type Peer } from "./testing/peer.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const loopback = { urlPolicy: { allowLoopback: true } } as const;

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function peer(options: Parameters<typeof startPeer>[0] = {}): Promise<Peer> {
  const started = await startPeer(options);
  peers.push(started);
  return started;
}

describe("the OCPI 2.2.1 client alone", () => {
  it("connects, talks 2.2.1 and pulls", async () => {
    const cpo = await peer({ versions: ["2.1.1", "2.2.1", "2.3.0"], locations: makeLocations(3) });
    const client = await OcpiClient.connect({ versionsUrl: cpo.versionsUrl, token: "token-c", ...loopback });
    expect(client.version).toBe("2.2.1");
    expect(client).toBeInstanceOf(OcpiClientCore);
    const ids: string[] = [];
    for await (const location of client.locations.sender.all()) ids.push(location.id);
    expect(ids).toHaveLength(3);
    // Viewing the version it talks needs no conversion.
    expect((await client.as("2.2.1").locations.sender.get({ location_id: ids[0]! })).data.id).toEqual(expect.any(String));
  });

  it("refuses a peer without 2.2.1, and a view of another version", async () => {
    const old = await peer({ versions: ["2.1.1"] });
    const error = await errorOf(OcpiClient.connect({ versionsUrl: old.versionsUrl, token: "token-c", ...loopback }));
    expect(error.kind).toBe("no-mutual-version");
    expect(error.message).toBe("no mutual OCPI version: the peer offers 2.1.1, we support 2.2.1");

    const client = OcpiClient.restore({ versionsUrl: old.versionsUrl, token: "token-c", ...loopback }, { version: "2.2.1", endpoints: [] });
    expect(() => client.as("2.1.1")).toThrow(/talks OCPI 2\.2\.1 alone/);
    expect(() => {
      client.version = "2.3.0" as never;
    }).toThrow("OCPI 2.3.0 is not a version this client talks (2.2.1)");
  });

  it("is the same type and class family as the all-versions client of 2.2.1", () => {
    const one = new OcpiClient({ versionsUrl: "https://cpo.example/versions", token: "t" });
    const any = new AnyVersionClient({ versionsUrl: "https://cpo.example/versions", token: "t", versions: ["2.2.1"] });
    expect(Object.keys(one.modules)).toEqual(Object.keys(any.modules));
    expect(() => new (OcpiClientCore as unknown as new (options: object) => unknown)({ versionsUrl: "https://x.example", token: "t" })).toThrow(TypeError);
  });

  it("bundles without the other versions and the converters", async () => {
    const { inputs } = await bundleForEdge('export { OcpiClient } from "./generated/2.2.1/client.gen.ts"; export { OcpiError } from "./index.ts";', {
      resolveDir: here,
    });
    expect(inputs.some((input) => input.includes("validators/") && input.includes("2.2.1"))).toBe(true);
    expect(inputs.filter((input) => /\b2\.1\.1\b|\b2\.3\.0\b|converters\//.test(input))).toEqual([]);
  });
});
