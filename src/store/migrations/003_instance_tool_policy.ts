/**
 * An instance's tool policy (src/policy/toolPolicy.ts) as JSON text; NULL grants every
 * tool, as every instance made before policies did.
 */
export const m003_instance_tool_policy = `
ALTER TABLE instances ADD COLUMN tool_policy TEXT;
`;
