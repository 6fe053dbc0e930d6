/**
 * Test fixtures for images, published in the images test-jar for the {@code it} module: images
 * built in Java from busybox-static ({@link io.corral.images.testing.TestImages}), Debian's
 * registry and skopeo driven as real processes, a token server, a counting proxy, and a
 * test-only layer unpacker that runs {@code tar}.
 */
package io.corral.images.testing;
