// The demo that `npm start` runs, end to end, on free ports and a temporary data folder; run twice to cover restarts.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createOcpiServer, MemoryStore, storeHandlers } from "@ocpi-sdk/server";
import { listen } from "@ocpi-sdk/server/node";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo } from "./demo.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("the CPO/eMSP demo", () => {
  it("runs the whole flow, then again from its saved data", { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "ocpi-demo-"));
    dirs.push(dataDir);
    const first: string[] = [];
    const demo = await runDemo({ dataDir, cpoPort: 0, emspPort: 0, locations: 60, log: (l) => first.push(l) });
    const ports = { cpoPort: demo.cpo.port, emspPort: demo.emsp.port };
    const text = first.join("\n");

    // What it prints for the user's own node is what registerWith takes, and registers.
    const printed = /CPO {3}server\.credentials\.registerWith\(\{ versionsUrl: ("[^"]+"), token: ("[^"]+") \}\)/.exec(text);
    expect(printed).not.toBeNull();
    const peer = { versionsUrl: JSON.parse(printed![1]!) as string, token: JSON.parse(printed![2]!) as string };
    expect(peer.versionsUrl).toBe(demo.cpo.server.versionsUrl);
    const role = { role: "EMSP" as const, country_code: "DE", party_id: "YOU", business_details: { name: "Your eMSP" } };
    const yourStore = new MemoryStore();
    const yours = await listen((publicUrl) =>
      createOcpiServer({
        publicUrl,
        roles: [role],
        store: yourStore,
        logger: false,
        urlPolicy: { allowLoopback: true },
        handlers: storeHandlers(yourStore, { roles: [role] }),
      }),
    );
    try {
      expect((await yours.server.credentials.registerWith(peer)).status).toBe("registered");
    } finally {
      await yours.close();
    }
    // The API reference it names answers.
    const docs = /API reference: (\S+)/.exec(text)![1]!;
    expect((await fetch(docs)).status).toBe(200);
    await demo.close();
    expect(text).toContain("POST /credentials with Token A");
    expect(text).toMatch(/page 2: 10 locations \(X-Total-Count 60, X-Limit 100, last page\)/);
    expect(text).toContain("60 locations and 3 tariffs");
    expect(text).toContain("the eMSP now has CHARGING");
    expect(text).toContain("PUT sessions/NL/DCP/SES0001");
    expect(text).toContain("through the outbox (1 delivery); the eMSP now has CHARGING");
    expect(text).toContain("POST cdrs (EUR 9.53 incl. VAT); the eMSP keeps CDR0001, and 0 deliveries to it wait");
    expect(text).toContain("immediate CommandResponse ACCEPTED");
    expect(text).toContain('CommandResult ACCEPTED ("Session started at LOC0002")');
    expect(text).toMatch(/agreed on OCPI 2\.1\.1 .* with raw tokens: Token …/);
    expect(text).toContain("5 of 60 locations as 2.1.1 objects, converted from the CPO's 2.2.1 store");
    expect(text).toContain("no owner fields (as 2.1.1 has none)");

    const second: string[] = [];
    // Your node stays registered with the CPO but is down now: the second run must not wait for it.
    // Same ports as before, as `npm start` uses: the peers find each other where they registered.
    const again = await runDemo({ dataDir, ...ports, log: (l) => second.push(l) });
    await again.close();
    expect(second.join("\n")).toContain("already registered: both tokens rotated");
    expect(second.join("\n")).toContain("CDRs are never replaced");
  });
});
