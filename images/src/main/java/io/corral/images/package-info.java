/**
 * Container images, Mesos' {@code --image_providers=docker}: image references, the Docker
 * Registry HTTP API v2 client and local image archives ({@code store}), layers unpacked safely
 * ({@code unpack}), and the root filesystem of each container made from them ({@code backend}).
 * Depends on {@code proto} and {@code posix} only; the actors drive it in the PROVISIONING phase.
 */
package io.corral.images;
