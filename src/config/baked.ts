// A config baked into the image (/usr/lib/bootc-image-builder/config.{toml,json}): as in
// bootc-image-builder, only its filesystem and disk layout is used, and only when the
// user's config has none.
import type { Reporter } from '../run/reporter.js';
import type { ImageFacts } from '../image/facts.js';
import type { Customizations } from './customizations.js';
import { configFromText, formatOf, type LoadedConfig } from './load.js';

export function withBakedLayout(config: LoadedConfig, facts: ImageFacts, reporter: Reporter): Customizations {
  const baked = facts.system.bakedConfig;
  if (baked) {
    reporter.info(userHasLayout(config.customizations) ? `the image's ${baked.path} is not used: the config sets the disk layout` : `using the disk layout from the image's ${baked.path}`);
  }
  return effectiveCustomizations(config.customizations, facts.ref, baked);
}

/** The customizations a build uses: the user's, with the baked layout where they have none. */
export function effectiveCustomizations(own: Customizations, ref: string, baked?: { path: string; text: string }): Customizations {
  if (!baked || userHasLayout(own)) return own;
  const fromImage = configFromText(`${ref}:${baked.path}`, baked.text, formatOf(baked.path)).customizations;
  const { root, volumeGroup } = fromImage;
  return { ...own, sizes: fromImage.sizes, partitions: fromImage.partitions, ...(root ? { root } : {}), ...(volumeGroup ? { volumeGroup } : {}) };
}

function userHasLayout(own: Customizations): boolean {
  return own.partitions.length > 0 || Object.keys(own.sizes).length > 0 || own.root !== undefined || own.volumeGroup !== undefined;
}
