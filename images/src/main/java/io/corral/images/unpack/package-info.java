/**
 * Unpacking layer blobs into the store: {@link io.corral.images.unpack.TarLayerUnpacker} writes a
 * tar without ever following a link or leaving its directory, with whiteouts in the
 * {@link io.corral.images.unpack.WhiteoutFormat} of the backend that will read the layer.
 */
package io.corral.images.unpack;
