/** The OCPI versions the CLI knows, and their precompiled validators. */
import type { Validator } from "@ocpi-sdk/validators";
import { validators as v211 } from "@ocpi-sdk/validators/2.1.1";
import { validators as v221 } from "@ocpi-sdk/validators/2.2.1";
import { validators as v230 } from "@ocpi-sdk/validators/2.3.0";

import { isOcpiVersion, OCPI_VERSIONS, type OcpiVersion } from "@ocpi-sdk/protocol";

export { isOcpiVersion, OCPI_VERSIONS, type OcpiVersion };

const VALIDATORS: Record<OcpiVersion, Record<string, Validator<unknown>>> = { "2.1.1": v211, "2.2.1": v221, "2.3.0": v230 };

/** Every named validator of a version: the spec's object, class and enum names, `<Name>Patch`, `OcpiResponse`. */
export function validatorsOf(version: OcpiVersion): Readonly<Record<string, Validator<unknown>>> {
  return VALIDATORS[version];
}

/** The validator of `name` in `version`, or undefined when the version has no such schema. */
export function validatorOf(version: OcpiVersion, name: string): Validator<unknown> | undefined {
  const all = VALIDATORS[version];
  return Object.hasOwn(all, name) ? all[name] : undefined;
}
