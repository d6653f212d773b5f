// The built package works under plain Node ESM, imported by its public name, against a plain node:http peer.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("built @ocpi-sdk/client under plain Node", () => {
  it("discovers a peer and pulls its locations (with the client of all versions, and of 2.2.1 alone)", () => {
    const script = `
      import http from "node:http";
      import { OcpiClient } from "@ocpi-sdk/client";
      import { OcpiClient as OcpiClient221 } from "@ocpi-sdk/client/2.2.1";
      const env = (data, extra = {}) => JSON.stringify({ data, status_code: 1000, timestamp: "2024-01-01T00:00:00Z", ...extra });
      const server = http.createServer((req, res) => {
        const base = "http://127.0.0.1:" + server.address().port;
        res.setHeader("Content-Type", "application/json");
        if (req.url === "/versions") return res.end(env([{ version: "2.2.1", url: base + "/2.2.1" }]));
        if (req.url === "/2.2.1") return res.end(env({ version: "2.2.1", endpoints: [{ identifier: "locations", role: "SENDER", url: base + "/locations" }] }));
        res.setHeader("X-Total-Count", "0");
        return res.end(env([]));
      });
      server.listen(0, "127.0.0.1", async () => {
        const client = await OcpiClient.connect({ versionsUrl: "http://127.0.0.1:" + server.address().port + "/versions", token: "t", urlPolicy: { allowLoopback: true } });
        const page = await client.locations.sender.list();
        const one = await OcpiClient221.connect({ versionsUrl: "http://127.0.0.1:" + server.address().port + "/versions", token: "t", urlPolicy: { allowLoopback: true } });
        const onePage = await one.locations.sender.list();
        console.log(JSON.stringify({ version: client.version, count: page.data.length, total: page.totalCount, one: [one.version, onePage.totalCount] }));
        server.close();
      });
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({ version: "2.2.1", count: 0, total: 0, one: ["2.2.1", 0] });
  });
});
