import { describe, expect, it } from "vitest";
import { strictVariant } from "../src/index.js";

describe("strictVariant", () => {
  it("closes every object schema that lists properties, at any depth, and leaves values alone", () => {
    const schema = {
      type: "object",
      properties: {
        inner: { type: "object", properties: { a: { type: "string" } } },
        list: { type: "array", items: { type: "object", properties: { b: { enum: [{ type: "object", properties: {} }] } } } },
        any: {},
      },
      required: ["inner"],
    };
    expect(strictVariant(schema)).toEqual({
      type: "object",
      properties: {
        inner: { type: "object", properties: { a: { type: "string" } }, additionalProperties: false },
        list: {
          type: "array",
          items: { type: "object", properties: { b: { enum: [{ type: "object", properties: {} }] } }, additionalProperties: false },
        },
        any: {},
      },
      required: ["inner"],
      additionalProperties: false,
    });
  });

  it("keeps an explicit additionalProperties", () => {
    expect(strictVariant({ type: "object", properties: {}, additionalProperties: true })).toEqual({
      type: "object",
      properties: {},
      additionalProperties: true,
    });
  });
});
