// Every test must check something: a test whose checks all sit behind a condition that did not hold fails.
import { beforeEach, expect } from "vitest";

beforeEach(() => {
  expect.hasAssertions();
});
