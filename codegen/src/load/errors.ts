/** A schema or endpoint description file breaks a convention the emitters rely on. */
export class SchemaConventionError extends Error {}
