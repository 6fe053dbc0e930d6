/**
 * Mesos' provisioner backends ({@code --image_provisioner_backend}): a container's root
 * filesystem from unpacked layers, by an overlay mount ({@link io.corral.images.backend.OverlayBackend})
 * or a copy ({@link io.corral.images.backend.CopyBackend}), chosen by
 * {@link io.corral.images.backend.Backends}.
 */
package io.corral.images.backend;
