// A config baked into the image (/usr/lib/bootc-image-builder/config.{toml,json}): as in
// bootc-image-builder, only its filesystem and disk layout is used, and only when the
// user's config has none.
import type { Reporter } from '../run/reporter.js';
import type { ImageFacts } from '../image/facts.js';
import type { Customizations } from './customizations.js';
import { configFromText, formatOf, type LoadedConfig } from './load.js';

export function withBakedLayout(config: LoadedConfig, facts: ImageFacts, reporter: Reporter): Customizations {
  const baked = facts.system.bakedConfig;
  const own = config.customizations;
  if (!baked) return own;
  const userHasLayout = own.partitions.length > 0 || Object.keys(own.sizes).length > 0 || own.root !== undefined || own.volumeGroup !== undefined;
  if (userHasLayout) {
    reporter.info(`the image's ${baked.path} is not used: the config sets the disk layout`);
    return own;
  }
  const fromImage = configFromText(`${facts.ref}:${baked.path}`, baked.text, formatOf(baked.path)).customizations;
  reporter.info(`using the disk layout from the image's ${baked.path}`);
  const { root, volumeGroup } = fromImage;
  return { ...own, sizes: fromImage.sizes, partitions: fromImage.partitions, ...(root ? { root } : {}), ...(volumeGroup ? { volumeGroup } : {}) };
}
