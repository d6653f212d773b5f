// selectOperations narrows a generated document to some operations and points it at a server, leaving a valid
// document whose every $ref still resolves.
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { documents } from "./generated/2.2.1/index.gen.js";
import { selectOperations, type OpenApiDocument } from "./select.js";

const whole = documents.ocpi as unknown as OpenApiDocument;
const operationIds = (doc: OpenApiDocument) =>
  Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => (op as { operationId: string }).operationId));

describe("selectOperations", () => {
  it("keeps the operations asked for, the components they reach, their tags, and names the server", async () => {
    const picked = selectOperations(whole, {
      operationIds: ["versions", "versionDetails", "locationsSenderList", "locationsSenderGet"],
      serverUrl: "http://127.0.0.1:3001/ocpi",
      info: { title: "Mine" },
    });
    expect(operationIds(picked)).toEqual(["versions", "versionDetails", "locationsSenderList", "locationsSenderGet"]);
    expect(picked.servers).toEqual([{ url: "http://127.0.0.1:3001/ocpi" }]);
    expect(picked.info).toMatchObject({ title: "Mine", version: "2.2.1" });
    expect(picked.tags!.map((t) => t.name)).toEqual(["discovery", "locations"]);
    const schemas = Object.keys(picked.components!.schemas!);
    // Reached through Location's properties, not named by an operation.
    expect(schemas).toEqual(expect.arrayContaining(["Location", "EVSE", "Connector", "Version", "OcpiResponse"]));
    expect(schemas).not.toContain("Session");
    expect(schemas).not.toContain("CDR");
    expect(picked.components!.securitySchemes).toEqual(whole.components!.securitySchemes);

    const validator = new Validator();
    const result = await validator.validate(structuredClone(picked) as never);
    expect(result.errors ?? []).toEqual([]);
    // resolveRefs throws on a $ref to a pruned component.
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("keeps every operation when none are named, and leaves the input alone", () => {
    const before = JSON.stringify(whole);
    const all = selectOperations(whole, { serverUrl: "https://ocpi.test/ocpi" });
    expect(operationIds(all)).toEqual(operationIds(whole));
    expect(Object.keys(all.components!.schemas!).length).toBeGreaterThan(50);
    expect(JSON.stringify(whole)).toBe(before);
  });

  it("drops path items left without an operation", () => {
    const none = selectOperations(whole, { operationIds: [] });
    expect(none.paths).toEqual({});
    expect(none.tags).toEqual([]);
    expect(Object.keys(none.components!)).toEqual(["securitySchemes"]);
  });
});
