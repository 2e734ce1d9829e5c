// The builder's version: injected by the bundler from package.json, "dev" when run unbundled.
declare const __DBIB_VERSION__: string | undefined;

export const VERSION: string = typeof __DBIB_VERSION__ === 'string' ? __DBIB_VERSION__ : '0.0.0-dev';
