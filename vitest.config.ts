import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    setupFiles: ["./scripts/vitest-setup.ts"],
    include: ["codegen/test/**/*.test.ts", "packages/*/src/**/*.test.ts", "examples/*/src/**/*.test.ts", "schemas/*.test.ts", "scripts/**/*.test.ts"],
    typecheck: {
      enabled: true,
      include: ["packages/*/src/**/*.test-d.ts"],
      tsconfig: "./tsconfig.typecheck.json",
    },
  },
});
