/**
 * Mesos' docker store: {@link io.corral.images.store.ImageStore} keeps images by name in
 * {@code --docker_store_dir} as verified, unpacked, shared layers, pulled from the
 * {@link io.corral.images.store.ImageSource} that {@code --docker_registry} names (a registry or
 * a directory of image archives).
 */
package io.corral.images.store;
