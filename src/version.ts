// Kept equal to package.json's version by a unit test (a JSON import would complicate the bundle).
export const TOOL_NAME = 'cs-docker-hardening';
export const TOOL_VERSION = '0.1.0';
