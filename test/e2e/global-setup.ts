// Builds the builder and the example image once for all end-to-end tests (podman's layer
// cache makes this quick when nothing changed). DBIB_TEST_BUILDER: use that builder as built.
import { BUILDER, EXAMPLE, REPO, buildImage } from '../support/images.js';

export default async function setup(): Promise<void> {
  if (!process.env.DBIB_TEST_BUILDER) await buildImage(BUILDER, REPO);
  await buildImage(EXAMPLE, `${REPO}/recipes/example`);
}
